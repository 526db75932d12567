@{
    Synopsis    = 'Saves what a connection needs under a name, for Connect-RedshiftIamra -ConfigName and Test-RedshiftIamraConnection -ConfigName in unattended jobs. Never a secret.'
    Description = @'
Save-RedshiftIamraConfig stores one named entry of connection settings in a JSON file of the user's: how to find the certificate (-Thumbprint; or -Subject, -Issuer, -SerialNumber with -Latest, which keeps working when the certificate is renewed; or -Path with -PrivateKeyPath), -ChainPath, the three Roles Anywhere ARNs, the Roles Anywhere endpoint and CA bundle, the region, the Redshift target (a cluster with -DbUser or -UseIamIdentity, a workgroup, or a host name and port), the database, -DbGroup, -AutoCreate, the durations, the Redshift API endpoint and the root certificates for TLS. Paths are stored absolute, so the entry works from any working directory.

No secret is ever stored: there is no parameter for a password, a key or a token. A certificate file whose key is encrypted needs -Password at run time (Connect-RedshiftIamra -ConfigName x -Password ...); for jobs, prefer a certificate in the store, whose key the system protects.

The file is $env:REDSHIFTIAMRA_CONFIG when set, else %APPDATA%\RedshiftIamra\config.json on Windows and $XDG_CONFIG_HOME/RedshiftIamra/config.json (or ~/.config/RedshiftIamra/config.json) elsewhere. It is written atomically (a temporary file renamed over it) under a lock file, so concurrent saves lose nothing; on Unix it is readable and writable by its owner only, and a new folder is the owner's only. Other entries, and members this version does not know, are kept as they are. Saving a name that exists replaces that entry.

Pipe Get-RedshiftIamraStack into it: the stack's ARNs, region, cluster, host name, port, database and user bind by name (or give the stack with -InputObject). A stack names a cluster and a workgroup; the entry keeps the cluster, unless -WorkgroupName is given, which saves the workgroup (with the stack's workgroup host name) instead. Parameters given on the command line win over the stack's values.

Before writing, every value is checked as Connect-RedshiftIamra would check it (ARNs, region, names, durations, URLs, a complete target), and the certificate is looked for: the store selector must find exactly one usable certificate (or use -Latest), and the files must exist. -SkipCertificateCheck saves an entry for a machine where the certificate is not yet installed. -WhatIf shows what would be saved and writes nothing.
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere', '_AwsService', '_RedshiftTarget', '_RedshiftConnection')
    Parameters  = @{
        Name                     = 'The entry''s name: a letter or digit, then letters, digits, _, . or - (at most 64). Names are matched without regard to case.'
        InputObject              = 'A stack from Get-RedshiftIamraStack; its values fill what the parameters do not give. Piping the stack also binds its properties by name.'
        Path                     = 'A certificate file (PEM, DER or PFX); stored as an absolute path.'
        SkipCertificateCheck     = 'Saves without looking for the certificate now.'
        PassThru                 = 'Returns the saved entry.'
        Staging                  = 'Where staged loads and UNLOAD exports go, saved with the configuration (never a secret): a hashtable with Bucket, Prefix, CopyRoleArn, KmsKeyId, EndpointUrl and Region, as Connect-RedshiftIamra -Staging takes it. A piped stack''s Staging (its StagingBucketName, StagingPrefix, CopyRoleArn and StagingKmsKeyArn outputs) otherwise.'
    }
    Inputs      = @{
        'RedshiftIamra.RedshiftIamraStack' = 'A stack from Get-RedshiftIamraStack.'
        'System.String'                    = 'ARNs, region and target by property name.'
    }
    Outputs     = @{
        'RedshiftIamra.RedshiftIamraConfig' = 'The saved entry, with -PassThru.'
    }
    Examples    = @(
        @{
            Title   = 'From the stack, once'
            Code    = "Get-RedshiftIamraStack -StackName redshift-test -Region eu-west-1 | Save-RedshiftIamraConfig -Name prod-etl -Subject 'CN=redshift-client.example.com' -Latest"
            Remarks = 'Saves the stack''s ARNs, region, cluster, host, port, database and user with a certificate selector that survives renewals.'
        }
        @{
            Title   = 'By hand, for a serverless workgroup'
            Code    = "Save-RedshiftIamraConfig -Name reports -Thumbprint `$t -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra -WorkgroupName my-serverless-workgroup -DbName dev -Region eu-west-1"
            Remarks = 'Connect-RedshiftIamra -ConfigName reports then connects as IAMR:<role>.'
        }
        @{
            Title   = 'See what would be written'
            Code    = "`$stack | Save-RedshiftIamraConfig -Name prod-etl -Thumbprint `$t -WhatIf"
            Remarks = 'Checks everything and writes nothing.'
        }
    )
    Notes       = 'The file holds ARNs, names, host names and paths: nothing that grants access by itself. Access comes from the certificate''s private key.'
    Links       = @('Get-RedshiftIamraConfig', 'Remove-RedshiftIamraConfig', 'Connect-RedshiftIamra', 'Get-RedshiftIamraStack')
}
