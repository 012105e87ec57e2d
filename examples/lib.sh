# Shared by the example scripts. GATEHOUSE_URL points at a running
# gatehouse whose root credentials are in AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY; BACKEND_URL at an HTTP backend (any server that
# answers; the tests use an echo server).
set -euo pipefail
: "${GATEHOUSE_URL:?set GATEHOUSE_URL}" "${BACKEND_URL:?set BACKEND_URL}"
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
HERE=$(cd "$(dirname "${BASH_SOURCE[1]:-$0}")" && pwd)
EXAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EP=(--endpoint-url "$GATEHOUSE_URL")
ROOT_KEY=$AWS_ACCESS_KEY_ID ROOT_SECRET=$AWS_SECRET_ACCESS_KEY

# new_user NAME [POLICY_JSON] -> prints "KEY SECRET"
new_user() {
	aws iam create-user --user-name "$1" "${EP[@]}" >/dev/null
	if [ -n "${2:-}" ]; then
		aws iam put-user-policy --user-name "$1" --policy-name "$1-policy" --policy-document "$2" "${EP[@]}"
	fi
	aws iam create-access-key --user-name "$1" "${EP[@]}" --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text
}

# as KEY SECRET cmd... runs cmd with those credentials.
as() { local k=$1 s=$2; shift 2; AWS_ACCESS_KEY_ID=$k AWS_SECRET_ACCESS_KEY=$s AWS_SESSION_TOKEN= "$@"; }

# show LABEL: prints stdin with the API id masked, for stable transcripts.
show() { { cat; echo; } | sed -e "s/${API:-NOAPI}/API_ID/g" -e "s#$GATEHOUSE_URL#GATEHOUSE#g" -e "s#$BACKEND_URL#BACKEND#g" -e '/^$/d' | sed "s/^/$1: /"; }
