# Parameter texts of the Roles Anywhere session and AWS HTTP groups (src/RedshiftIamra.PowerShell/RolesAnywhereCmdlet.cs),
# shared by every cmdlet that takes them. Included with Include = @('_RolesAnywhere').
@{
    Parameters = @{
        Certificate              = 'The signing certificate, an IamraCertificate from Get-IamraCertificate (or an X509Certificate2 with its private key), usually from the pipeline.'
        TrustAnchorArn           = 'The Roles Anywhere trust anchor ARN, arn:aws:rolesanywhere:<region>:<account>:trust-anchor/<id>. Its region is the session''s region.'
        ProfileArn               = 'The Roles Anywhere profile ARN, arn:aws:rolesanywhere:<region>:<account>:profile/<id>, in the trust anchor''s region.'
        RoleArn                  = 'The IAM role to assume, arn:aws:iam::<account>:role/<name>. The profile must list it.'
        SessionDurationSeconds   = 'How long the Roles Anywhere session lasts: 900 to 43200 seconds, 3600 by default. The profile and the role may cap it lower.'
        RoleSessionName          = 'The role session name (2 to 64 letters, digits and +=,.@_-), when the profile accepts a custom one.'
        RolesAnywhereEndpointUrl = 'A Roles Anywhere endpoint to call instead of the regional one, such as a VPC endpoint or the sandbox. Must be https (plain http only to loopback, or with New-IamraSessionOption -AllowInsecureEndpoint). Defaults to AWS_ENDPOINT_URL_ROLESANYWHERE, then AWS_ENDPOINT_URL.'
        Region                   = 'The region of the Redshift cluster or workgroup (by default the host name''s, else the session''s). For Get-IamraSession and Set-IamraAwsProfile, the session''s region, which must equal the trust anchor''s.'
        CaBundlePath             = 'A PEM file of root certificates to trust, besides the system''s, for the AWS API endpoints (a private endpoint or a TLS-inspecting proxy). Defaults to AWS_CA_BUNDLE.'
        SessionOption            = 'The rarely changed settings of the AWS calls, from New-IamraSessionOption: an HTTPS proxy, the per-attempt timeout (15 seconds by default), plain http endpoints off this machine, and how long before expiry cached sessions and database credentials are renewed.'
    }
}
