# Expands a SAM template with the reference translator (aws-sam-translator)
# for sam_test.go: prints the CloudFormation template as JSON, or
# {"error": "..."}. The managed-policy loader answers from gatehouse's own
# naming rule's inputs (the test passes no network access).
import json
import sys

from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class Loader:
    def load(self):
        return {}


doc = yaml_parse(sys.stdin.read())
params = {"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000", "AWS::Partition": "aws"}
try:
    out = transform(doc, params, Loader())
except InvalidDocumentException as e:
    print(json.dumps({"error": str(e)}))
    sys.exit(0)
print(json.dumps(out, sort_keys=True, default=str))
