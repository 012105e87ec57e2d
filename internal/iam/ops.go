package iam

func init() {
	ops = map[string]opFunc{
		"CreateAccount": opCreateAccount,
		"ListAccounts":  opListAccounts,

		"CreateUser":   opCreateUser,
		"GetUser":      opGetUser,
		"ListUsers":    opListUsers,
		"DeleteUser":   opDeleteUser,
		"UpdateUser":   opUpdateUser,
		"TagUser":      opTagUser,
		"UntagUser":    opUntagUser,
		"ListUserTags": opListUserTags,

		"CreateAccessKey":      opCreateAccessKey,
		"ListAccessKeys":       opListAccessKeys,
		"UpdateAccessKey":      opUpdateAccessKey,
		"DeleteAccessKey":      opDeleteAccessKey,
		"GetAccessKeyLastUsed": opGetAccessKeyLastUsed,

		"CreateGroup":         opCreateGroup,
		"GetGroup":            opGetGroup,
		"ListGroups":          opListGroups,
		"DeleteGroup":         opDeleteGroup,
		"UpdateGroup":         opUpdateGroup,
		"AddUserToGroup":      opAddUserToGroup,
		"RemoveUserFromGroup": opRemoveUserFromGroup,
		"ListGroupsForUser":   opListGroupsForUser,

		"CreateRole":             opCreateRole,
		"GetRole":                opGetRole,
		"ListRoles":              opListRoles,
		"DeleteRole":             opDeleteRole,
		"UpdateRole":             opUpdateRole,
		"UpdateRoleDescription":  opUpdateRoleDescription,
		"UpdateAssumeRolePolicy": opUpdateAssumeRolePolicy,
		"TagRole":                opTagRole,
		"UntagRole":              opUntagRole,
		"ListRoleTags":           opListRoleTags,

		"CreateVirtualMFADevice": opCreateVirtualMFADevice,
		"EnableMFADevice":        opEnableMFADevice,
		"ResyncMFADevice":        opResyncMFADevice,
		"DeactivateMFADevice":    opDeactivateMFADevice,
		"DeleteVirtualMFADevice": opDeleteVirtualMFADevice,
		"ListMFADevices":         opListMFADevices,
		"ListVirtualMFADevices":  opListVirtualMFADevices,
		"GetMFADevice":           opGetMFADevice,
		"TagMFADevice":           opTagMFADevice,
		"UntagMFADevice":         opUntagMFADevice,
		"ListMFADeviceTags":      opListMFADeviceTags,

		"CreateInstanceProfile":         opCreateInstanceProfile,
		"GetInstanceProfile":            opGetInstanceProfile,
		"DeleteInstanceProfile":         opDeleteInstanceProfile,
		"ListInstanceProfiles":          opListInstanceProfiles,
		"ListInstanceProfilesForRole":   opListInstanceProfilesForRole,
		"AddRoleToInstanceProfile":      opAddRoleToInstanceProfile,
		"RemoveRoleFromInstanceProfile": opRemoveRoleFromInstanceProfile,
		"TagInstanceProfile":            opTagInstanceProfile,
		"UntagInstanceProfile":          opUntagInstanceProfile,
		"ListInstanceProfileTags":       opListInstanceProfileTags,

		"CreatePolicy":            opCreatePolicy,
		"GetPolicy":               opGetPolicy,
		"ListPolicies":            opListPolicies,
		"DeletePolicy":            opDeletePolicy,
		"CreatePolicyVersion":     opCreatePolicyVersion,
		"GetPolicyVersion":        opGetPolicyVersion,
		"ListPolicyVersions":      opListPolicyVersions,
		"DeletePolicyVersion":     opDeletePolicyVersion,
		"SetDefaultPolicyVersion": opSetDefaultPolicyVersion,

		"ListEntitiesForPolicy":            opListEntitiesForPolicy,
		"GetAccountSummary":                opGetAccountSummary,
		"GetAccountAuthorizationDetails":   opGetAccountAuthorizationDetails,
		"TagPolicy":                        opTagPolicy,
		"UntagPolicy":                      opUntagPolicy,
		"ListPolicyTags":                   opListPolicyTags,
		"TagOpenIDConnectProvider":         opTagOIDCProvider,
		"UntagOpenIDConnectProvider":       opUntagOIDCProvider,
		"ListOpenIDConnectProviderTags":    opListOIDCProviderTags,
		"SimulatePrincipalPolicy":          opSimulatePrincipalPolicy,
		"GetContextKeysForCustomPolicy":    opGetContextKeysForCustomPolicy,
		"GetContextKeysForPrincipalPolicy": opGetContextKeysForPrincipalPolicy,
		"SimulateCustomPolicy":             opSimulateCustomPolicy,

		"CreateOpenIDConnectProvider":             opCreateOIDCProvider,
		"GetOpenIDConnectProvider":                opGetOIDCProvider,
		"ListOpenIDConnectProviders":              opListOIDCProviders,
		"AddClientIDToOpenIDConnectProvider":      opAddClientID,
		"RemoveClientIDFromOpenIDConnectProvider": opRemoveClientID,
		"UpdateOpenIDConnectProviderThumbprint":   opUpdateThumbprint,
		"DeleteOpenIDConnectProvider":             opDeleteOIDCProvider,
	}
	for _, et := range []entityType{etUser, etGroup, etRole} {
		ops["Attach"+et.name+"Policy"] = opAttach(et)
		ops["Detach"+et.name+"Policy"] = opDetach(et)
		ops["ListAttached"+et.name+"Policies"] = opListAttached(et)
		ops["Put"+et.name+"Policy"] = opPutInline(et)
		ops["Get"+et.name+"Policy"] = opGetInline(et)
		ops["List"+et.name+"Policies"] = opListInline(et)
		ops["Delete"+et.name+"Policy"] = opDeleteInline(et)
	}
	for name, op := range map[string]opFunc{
		"UploadSSHPublicKey": opUploadSSHPublicKey, "GetSSHPublicKey": opGetSSHPublicKey, "ListSSHPublicKeys": opListSSHPublicKeys,
		"UpdateSSHPublicKey": opUpdateSSHPublicKey, "DeleteSSHPublicKey": opDeleteSSHPublicKey,
		"UploadSigningCertificate": opUploadSigningCertificate, "ListSigningCertificates": opListSigningCertificates,
		"UpdateSigningCertificate": opUpdateSigningCertificate, "DeleteSigningCertificate": opDeleteSigningCertificate,
		"CreateServiceSpecificCredential": opCreateServiceSpecificCredential, "ListServiceSpecificCredentials": opListServiceSpecificCredentials,
		"ResetServiceSpecificCredential": opResetServiceSpecificCredential, "UpdateServiceSpecificCredential": opUpdateServiceSpecificCredential,
		"DeleteServiceSpecificCredential": opDeleteServiceSpecificCredential,
		"CreateServiceLinkedRole":         opCreateServiceLinkedRole, "DeleteServiceLinkedRole": opDeleteServiceLinkedRole,
		"GetServiceLinkedRoleDeletionStatus": opGetServiceLinkedRoleDeletionStatus,
		"GenerateCredentialReport":           opGenerateCredentialReport, "GetCredentialReport": opGetCredentialReport,
		"GenerateOrganizationsAccessReport": opNoOrganization, "GetOrganizationsAccessReport": opGetOrganizationsAccessReport,
		"ListOrganizationsFeatures":                     opNoOrganization,
		"EnableOrganizationsRootCredentialsManagement":  opNoOrganization,
		"DisableOrganizationsRootCredentialsManagement": opNoOrganization,
		"EnableOrganizationsRootSessions":               opNoOrganization, "DisableOrganizationsRootSessions": opNoOrganization,
		"SetSecurityTokenServicePreferences": opSetSecurityTokenServicePreferences,
		"GetHumanReadableSummary":            opGetHumanReadableSummary,
		"UploadServerCertificate":            opUploadServerCertificate, "GetServerCertificate": opGetServerCertificate,
		"ListServerCertificates": opListServerCertificates, "UpdateServerCertificate": opUpdateServerCertificate,
		"DeleteServerCertificate": opDeleteServerCertificate, "TagServerCertificate": opTagServerCertificate,
		"UntagServerCertificate":                    opUntagServerCertificate,
		"GenerateServiceLastAccessedDetails":        opGenerateServiceLastAccessedDetails,
		"GetServiceLastAccessedDetails":             opGetServiceLastAccessedDetails,
		"GetServiceLastAccessedDetailsWithEntities": opGetServiceLastAccessedDetailsWithEntities,
		"ListPoliciesGrantingServiceAccess":         opListPoliciesGrantingServiceAccess,
		"CreateSAMLProvider":                        opCreateSAMLProvider, "GetSAMLProvider": opGetSAMLProvider, "UpdateSAMLProvider": opUpdateSAMLProvider,
		"DeleteSAMLProvider": opDeleteSAMLProvider, "ListSAMLProviders": opListSAMLProviders, "TagSAMLProvider": opTagSAMLProvider,
		"UntagSAMLProvider": opUntagSAMLProvider, "ListSAMLProviderTags": opListSAMLProviderTags, "ListServerCertificateTags": opListServerCertificateTags,
	} {
		ops[name] = op
	}
	for name, op := range map[string]opFunc{
		"CreateAccountAlias": opCreateAccountAlias, "DeleteAccountAlias": opDeleteAccountAlias, "ListAccountAliases": opListAccountAliases,
		"UpdateAccountPasswordPolicy": opUpdateAccountPasswordPolicy, "GetAccountPasswordPolicy": opGetAccountPasswordPolicy,
		"DeleteAccountPasswordPolicy": opDeleteAccountPasswordPolicy,
		"CreateLoginProfile":          opCreateLoginProfile, "GetLoginProfile": opGetLoginProfile, "UpdateLoginProfile": opUpdateLoginProfile,
		"DeleteLoginProfile": opDeleteLoginProfile, "ChangePassword": opChangePassword,
		"EnableOutboundWebIdentityFederation":  opEnableOutboundWebIdentityFederation,
		"DisableOutboundWebIdentityFederation": opDisableOutboundWebIdentityFederation,
		"GetOutboundWebIdentityFederationInfo": opGetOutboundWebIdentityFederationInfo,
		"CreateDelegationRequest":              opCreateDelegationRequest, "ListDelegationRequests": opListDelegationRequests,
		"AcceptDelegationRequest": opDelegationRequest, "AssociateDelegationRequest": opDelegationRequest,
		"GetDelegationRequest": opDelegationRequest, "RejectDelegationRequest": opDelegationRequest,
		"SendDelegationToken": opDelegationRequest, "UpdateDelegationRequest": opDelegationRequest,
	} {
		ops[name] = op
	}
	for _, et := range []entityType{etUser, etRole} {
		ops["Put"+et.name+"PermissionsBoundary"] = opPutBoundary(et)
		ops["Delete"+et.name+"PermissionsBoundary"] = opDeleteBoundary(et)
	}
}
