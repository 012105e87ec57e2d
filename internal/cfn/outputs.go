package cfn

// The operations' outputs, named as botocore's cloudformation model names
// them. A handler returns its operation's output and never writes the
// response: the frame (serveHTTP) renders the output through awsproto's
// Query renderer as <XResponse><XResult>…</XResult><ResponseMetadata>…,
// fields in declaration order, lists as <Name><member>…</member></Name>,
// absent optional members omitted. An output without members renders as
// an empty Result element, as AWS answers.

// CreateStackOutput is CreateStack's answer.
type CreateStackOutput struct{ StackId string }

// UpdateStackOutput is UpdateStack's answer.
type UpdateStackOutput struct{ StackId string }

// DeleteStackOutput is DeleteStack's (empty) answer.
type DeleteStackOutput struct{}

// UpdateTerminationProtectionOutput is UpdateTerminationProtection's answer.
type UpdateTerminationProtectionOutput struct{ StackId string }

// CreateChangeSetOutput is CreateChangeSet's answer.
type CreateChangeSetOutput struct{ Id, StackId string }

// DescribeChangeSetOutput is DescribeChangeSet's answer.
type DescribeChangeSetOutput struct {
	ChangeSetName       string
	ChangeSetId         string
	StackId             string
	StackName           string
	Description         string         `xml:",omitempty"`
	Parameters          []xmlParameter `xml:"Parameters>member"`
	CreationTime        string
	ExecutionStatus     string
	Status              string
	StatusReason        string      `xml:",omitempty"`
	NotificationARNs    []string    `xml:"NotificationARNs>member"`
	Capabilities        []string    `xml:"Capabilities>member"`
	Tags                []xmlTag    `xml:"Tags>member"`
	Changes             []xmlChange `xml:"Changes>member"`
	IncludeNestedStacks bool
}

type xmlResourceChange struct {
	Action             string
	LogicalResourceId  string
	PhysicalResourceId string `xml:",omitempty"`
	ResourceType       string
	Replacement        string   `xml:",omitempty"`
	Scope              []string `xml:"Scope>member"`
}

type xmlChange struct {
	Type           string
	ResourceChange xmlResourceChange
}

// ListChangeSetsOutput is ListChangeSets' answer.
type ListChangeSetsOutput struct {
	Summaries []xmlChangeSetSummary `xml:"Summaries>member"`
}

type xmlChangeSetSummary struct {
	StackId, StackName, ChangeSetId, ChangeSetName, ExecutionStatus, Status string
	StatusReason                                                            string `xml:",omitempty"`
	CreationTime                                                            string
	Description                                                             string `xml:",omitempty"`
	IncludeNestedStacks                                                     bool
}

// DeleteChangeSetOutput is DeleteChangeSet's (empty) answer.
type DeleteChangeSetOutput struct{}

// ExecuteChangeSetOutput is ExecuteChangeSet's (empty) answer.
type ExecuteChangeSetOutput struct{}

// DescribeStacksOutput is DescribeStacks' answer.
type DescribeStacksOutput struct {
	Stacks    []xmlStack `xml:"Stacks>member"`
	NextToken string     `xml:",omitempty"`
}

// ListStacksOutput is ListStacks' answer.
type ListStacksOutput struct {
	StackSummaries []xmlStackSummary `xml:"StackSummaries>member"`
}

type xmlStackSummary struct {
	StackId             string
	StackName           string
	TemplateDescription string `xml:",omitempty"`
	CreationTime        string
	LastUpdatedTime     string `xml:",omitempty"`
	DeletionTime        string `xml:",omitempty"`
	StackStatus         string
	StackStatusReason   string `xml:",omitempty"`
	DriftInformation    xmlDrift
}

// DescribeStackEventsOutput is DescribeStackEvents' answer.
type DescribeStackEventsOutput struct {
	StackEvents []xmlStackEvent `xml:"StackEvents>member"`
}

type xmlStackEvent struct {
	StackId              string
	EventId              string
	StackName            string
	LogicalResourceId    string
	PhysicalResourceId   string `xml:",omitempty"`
	ResourceType         string
	Timestamp            string
	ResourceStatus       string
	ResourceStatusReason string `xml:",omitempty"`
	ResourceProperties   string `xml:",omitempty"`
	ClientRequestToken   string `xml:",omitempty"`
}

// DescribeStackResourceOutput is DescribeStackResource's answer.
type DescribeStackResourceOutput struct{ StackResourceDetail xmlResource }

// DescribeStackResourcesOutput is DescribeStackResources' answer.
type DescribeStackResourcesOutput struct {
	StackResources []xmlResource `xml:"StackResources>member"`
}

// ListStackResourcesOutput is ListStackResources' answer.
type ListStackResourcesOutput struct {
	StackResourceSummaries []xmlResource `xml:"StackResourceSummaries>member"`
}

// GetTemplateOutput is GetTemplate's answer.
type GetTemplateOutput struct {
	TemplateBody    string
	StagesAvailable []string `xml:"StagesAvailable>member"`
}

// ValidateTemplateOutput is ValidateTemplate's answer.
type ValidateTemplateOutput struct {
	Parameters         []xmlTemplateParameter `xml:"Parameters>member"`
	Description        string                 `xml:",omitempty"`
	Capabilities       []string               `xml:"Capabilities>member"`
	CapabilitiesReason string                 `xml:",omitempty"`
	DeclaredTransforms []string               `xml:"DeclaredTransforms>member"`
}

// GetTemplateSummaryOutput is GetTemplateSummary's answer.
type GetTemplateSummaryOutput struct {
	Parameters                  []xmlTemplateParameter `xml:"Parameters>member"`
	Description                 string                 `xml:",omitempty"`
	Capabilities                []string               `xml:"Capabilities>member"`
	CapabilitiesReason          string                 `xml:",omitempty"`
	ResourceTypes               []string               `xml:"ResourceTypes>member"`
	Version                     string                 `xml:",omitempty"`
	DeclaredTransforms          []string               `xml:"DeclaredTransforms>member"`
	ResourceIdentifierSummaries []struct {
		ResourceType       string
		LogicalResourceIds []string `xml:"LogicalResourceIds>member"`
	} `xml:"ResourceIdentifierSummaries>member"`
}

// ListExportsOutput is ListExports' answer.
type ListExportsOutput struct {
	Exports []xmlExport `xml:"Exports>member"`
}

type xmlExport struct{ ExportingStackId, Name, Value string }

// ListImportsOutput is ListImports' answer.
type ListImportsOutput struct {
	Imports []string `xml:"Imports>member"`
}
