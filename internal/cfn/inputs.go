package cfn

import "github.com/gatehouse-dev/gatehouse/internal/pipeline"

// The operations' inputs, decoded from the Query form by
// awsproto.DecodeQuery (field name = parameter name; scalars stay strings:
// the validation messages quote the value as sent).

// stackIn names a stack (StackName: a name or a stack id).
type stackIn struct{ StackName string }

// templateIn is a template given by body or S3 URL.
type templateIn struct{ TemplateBody, TemplateURL string }

// stackSettingsIn is what CreateStack, UpdateStack and CreateChangeSet share.
type stackSettingsIn struct {
	StackName, RoleARN string
	templateIn
	Capabilities []string
	Tags         []map[string]string
	Parameters   []map[string]string
}

type createStackIn struct {
	stackSettingsIn
	OnFailure, DisableRollback, ClientRequestToken, EnableTerminationProtection, TimeoutInMinutes string
	NotificationARNs                                                                              []string
}

type updateStackIn struct {
	stackSettingsIn
	UsePreviousTemplate, ClientRequestToken string
}

type deleteStackIn struct{ StackName, RoleARN, ClientRequestToken string }

type updateTerminationProtectionIn struct{ StackName, EnableTerminationProtection string }

type createChangeSetIn struct {
	stackSettingsIn
	ChangeSetName, ChangeSetType, UsePreviousTemplate, ClientToken, Description string
}

// changeSetIn names a change set (by ARN, or by name with its stack).
type changeSetIn struct{ ChangeSetName, StackName string }

type executeChangeSetIn struct {
	changeSetIn
	ClientRequestToken, DisableRollback string
}

type listStacksIn struct{ StackStatusFilter []string }

type describeStackResourceIn struct{ StackName, LogicalResourceId string }

type describeStackResourcesIn struct{ StackName, LogicalResourceId, PhysicalResourceId string }

type getTemplateIn struct{ StackName, ChangeSetName, TemplateStage string }

type getTemplateSummaryIn struct {
	StackName string
	templateIn
}

type listImportsIn struct{ ExportName string }

// noIn is the input of an operation that reads none.
type noIn struct{}

var passRole = []string{"iam:PassedToService"}

// handlers is the CloudFormation operations gatehouse serves, each with
// the actions it authorizes (operations that take a RoleARN also
// authorize iam:PassRole on it) and its handler. Every handler authorizes
// itself: what it asks depends on the stack or change set stored.
var handlers = pipeline.Handlers[*call]{
	pipeline.Handle(pipeline.Operation{Name: "CreateChangeSet", Actions: []string{"cloudformation:CreateChangeSet", "iam:PassRole"}, Keys: passRole}, (*call).createChangeSet),
	pipeline.Handle(pipeline.Operation{Name: "CreateStack", Actions: []string{"cloudformation:CreateStack", "iam:PassRole"}, Keys: passRole}, (*call).createStack),
	pipeline.Handle(pipeline.Operation{Name: "DeleteChangeSet", Actions: []string{"cloudformation:DeleteChangeSet"}}, (*call).deleteChangeSet),
	pipeline.Handle(pipeline.Operation{Name: "DeleteStack", Actions: []string{"cloudformation:DeleteStack", "iam:PassRole"}, Keys: passRole}, (*call).deleteStack),
	pipeline.Handle(pipeline.Operation{Name: "DescribeChangeSet", Actions: []string{"cloudformation:DescribeChangeSet"}}, (*call).describeChangeSet),
	pipeline.Handle(pipeline.Operation{Name: "DescribeStackEvents", Actions: []string{"cloudformation:DescribeStackEvents"}}, (*call).describeStackEvents),
	pipeline.Handle(pipeline.Operation{Name: "DescribeStackResource", Actions: []string{"cloudformation:DescribeStackResource"}}, (*call).describeStackResource),
	pipeline.Handle(pipeline.Operation{Name: "DescribeStackResources", Actions: []string{"cloudformation:DescribeStackResources"}}, (*call).describeStackResources),
	pipeline.Handle(pipeline.Operation{Name: "DescribeStacks", Actions: []string{"cloudformation:DescribeStacks"}}, (*call).describeStacks),
	pipeline.Handle(pipeline.Operation{Name: "ExecuteChangeSet", Actions: []string{"cloudformation:ExecuteChangeSet"}}, (*call).executeChangeSet),
	pipeline.Handle(pipeline.Operation{Name: "GetTemplate", Actions: []string{"cloudformation:GetTemplate"}}, (*call).getTemplate),
	pipeline.Handle(pipeline.Operation{Name: "GetTemplateSummary", Actions: []string{"cloudformation:GetTemplateSummary"}}, (*call).getTemplateSummary),
	pipeline.Handle(pipeline.Operation{Name: "ListChangeSets", Actions: []string{"cloudformation:ListChangeSets"}}, (*call).listChangeSets),
	pipeline.Handle(pipeline.Operation{Name: "ListExports", Actions: []string{"cloudformation:ListExports"}}, (*call).listExports),
	pipeline.Handle(pipeline.Operation{Name: "ListImports", Actions: []string{"cloudformation:ListImports"}}, (*call).listImports),
	pipeline.Handle(pipeline.Operation{Name: "ListStackResources", Actions: []string{"cloudformation:ListStackResources"}}, (*call).listStackResources),
	pipeline.Handle(pipeline.Operation{Name: "ListStacks", Actions: []string{"cloudformation:ListStacks"}}, (*call).listStacks),
	pipeline.Handle(pipeline.Operation{Name: "UpdateStack", Actions: []string{"cloudformation:UpdateStack", "iam:PassRole"}, Keys: passRole}, (*call).updateStack),
	pipeline.Handle(pipeline.Operation{Name: "UpdateTerminationProtection", Actions: []string{"cloudformation:UpdateTerminationProtection"}}, (*call).updateTerminationProtection),
	pipeline.Handle(pipeline.Operation{Name: "ValidateTemplate", Actions: []string{"cloudformation:ValidateTemplate"}}, (*call).validateTemplate),
}

// Table is the operations' metadata (actions and keys).
var Table = handlers.Table()

var knownOperations = handlers.Index()
