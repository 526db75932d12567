@{
    Synopsis    = 'Checks every hop from the certificate to a query — certificate, Roles Anywhere session, database credential, DNS, TCP, TLS, login, query — and names the one that failed, with the likely fix.'
    Description = @'
Test-RedshiftIamraConnection runs, in order, the stages a connection depends on and reports each one: Certificate (present, private key, valid, days left, chain), Session (IAM Roles Anywhere CreateSession), DbCredential (GetClusterCredentials / WithIAM / serverless GetCredentials), Dns, Tcp (the database port), Tls (handshake and verification against the roots), Login and Query (select 1 by default).

Each stage has a Status (Passed, Failed or Skipped), its Duration, a Detail, and on failure the ErrorId, the Error (the service's own message included) and a Hint. The check stops at the first failure and marks the rest Skipped. The result's Passed property is true when every stage that ran passed; -Quiet returns just that boolean, for Pester.

Give the all-in-one parameters (a certificate source, the three ARNs, the cluster, workgroup or host), -ConfigName for settings saved with Save-RedshiftIamraConfig (parameters given beside it override them), or a database credential with -Credential to check only the network, TLS and login hops. Nothing is cached by a failed check; sessions and credentials that succeed are cached as usual.
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere', '_AwsService', '_RedshiftTarget', '_RedshiftConnection')
    Parameters  = @{
        Credential     = 'Starts from this database credential; the certificate, session and credential stages are skipped.'
        Query          = 'The query of the last stage, select 1 by default.'
        TimeoutSeconds = 'How long each network stage may take, 10 seconds by default.'
        Quiet          = 'Returns only True or False.'
    }
    Inputs      = @{
        'RedshiftIamra.RedshiftDbCredential' = 'A database credential to test with.'
    }
    Outputs     = @{
        'RedshiftIamra.Connections.ConnectionCheckResult' = 'Passed, FailedStage, Target, Duration and the Stages, each with Status, Duration, Detail, ErrorId, Error and Hint.'
        'System.Boolean' = 'With -Quiet.'
    }
    Examples    = @(
        @{
            Title   = 'Check saved settings'
            Code    = 'Test-RedshiftIamraConnection -ConfigName prod-etl'
            Remarks = 'Runs every stage with the settings Save-RedshiftIamraConfig stored, and names the one that fails.'
        }
        @{
            Title   = 'An operational check in Pester'
            Code    = @'
Describe 'Redshift reachability' {
    It 'is reachable with its certificate' {
        (Test-RedshiftIamraConnection @p).Passed | Should -BeTrue
    }
}
'@
            Remarks = 'When it fails, the result names the hop, its error and the likely fix.'
        }
        @{
            Title   = 'Find the broken hop'
            Code    = "Test-RedshiftIamraConnection -Thumbprint `$t -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra -ClusterIdentifier my-redshift-cluster -DbUser analytics_user"
            Remarks = 'Prints one table: each stage, its time, what it found and, for the failed one, what to do.'
        }
    )
    Links       = @('Connect-RedshiftIamra', 'Get-RedshiftDbCredential', 'Save-RedshiftIamraConfig')
}
