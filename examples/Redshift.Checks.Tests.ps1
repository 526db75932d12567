# An operational check for CI (Pester 5). It names the broken hop — certificate, trust anchor,
# role, Redshift permission, DNS, port, TLS, login or query — and how long each took.
#
#   Invoke-Pester ./Redshift.Checks.Tests.ps1 -Output Detailed
#
# With no environments configured, it checks the local sandbox instead, so the same file
# runs offline in pull requests.
BeforeDiscovery {
    $script:environments = @(
        # @{ Name = 'prod'; Parameters = @{ Thumbprint = '...'; TrustAnchorArn = '...'; ProfileArn = '...'; RoleArn = '...'; ClusterIdentifier = 'my-redshift-cluster'; DbUser = 'monitor'; DbName = 'dev' } }
    )
    if ($environments.Count -eq 0) { $script:environments = @(@{ Name = 'sandbox'; Parameters = $null }) }
}

BeforeAll {
    Import-Module RedshiftIamra
}

Describe 'Redshift reachability' {
    It '<Name> is reachable with its certificate' -ForEach $environments {
        $parameters = $Parameters
        if (-not $parameters) {
            $sandbox = Start-RedshiftIamraSandbox -Database
            $sandbox.AddDatabaseUser('monitor')
            $parameters = $sandbox.CertificateParameters + $sandbox.RedshiftParameters + @{
                TrustAnchorArn = $sandbox.TrustAnchorArn; ProfileArn = $sandbox.ProfileArn; RoleArn = $sandbox.RoleArn
                RolesAnywhereEndpointUrl = $sandbox.RolesAnywhereEndpoint; RootCertificatePath = $sandbox.TlsCaBundlePath
                ClusterIdentifier = $sandbox.ClusterIdentifier; DbUser = 'monitor'; DbName = 'dev'
            }
        }
        try {
            $result = Test-RedshiftIamraConnection @parameters
            $result | Out-String | Write-Host
            $result.Passed | Should -BeTrue -Because "the $($result.FailedStage) stage failed"
        } finally {
            if ($sandbox) { Stop-RedshiftIamraSandbox $sandbox }
        }
    }
}
