<#
.SYNOPSIS
    The README's main example, end to end, on this machine: from a certificate in the store
    to query results, for a provisioned cluster and a serverless workgroup.

.DESCRIPTION
    Starts the local sandbox (IAM Roles Anywhere, Redshift and Redshift Serverless APIs over
    HTTPS, and a real PostgreSQL with TLS), which issues an organisation CA and a client
    certificate into Cert:\CurrentUser\My; runs the whole pipeline; runs
    Test-RedshiftIamraConnection; shows each step and its time; stops the sandbox.
#>
param([Parameter(Mandatory)] [string] $ModulePath)

$ErrorActionPreference = 'Stop'
$timer = [System.Diagnostics.Stopwatch]::StartNew()
$last = $timer.Elapsed
function Show { $input | Format-Table -AutoSize | Out-String -Width 240 | Write-Host }
function Step([string] $Text) {
    $now = $timer.Elapsed
    Write-Host ("[{0,7:N0} ms] (+{1,5:N0} ms) {2}" -f $now.TotalMilliseconds, ($now - $script:last).TotalMilliseconds, $Text) -ForegroundColor Cyan
    $script:last = $now
}

Step 'Import-Module RedshiftIamra'
Import-Module $ModulePath

Step 'Start-RedshiftIamraSandbox -Database -ImportClientCertificate (Roles Anywhere, Redshift, Serverless, PostgreSQL with TLS)'
$sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
try {
    $sandbox.AddDatabaseUser('analytics_user')
    $sandbox | Format-List | Out-String -Width 240 | Write-Host

    # In production these come from the platform team (or Get-RedshiftIamraStack); here, from the sandbox.
    $ta = $sandbox.TrustAnchorArn
    $pa = $sandbox.ProfileArn
    $ra = $sandbox.RoleArn
    $endpoints = @{ RolesAnywhereEndpointUrl = $sandbox.RolesAnywhereEndpoint; CaBundlePath = $sandbox.TlsCaBundlePath }
    $redshift = $sandbox.RedshiftParameters
    $thumbprint = $sandbox.ClientCertificate.Thumbprint

    Step "Get-IamraCertificate -Thumbprint $thumbprint"
    $certificate = Get-IamraCertificate -Thumbprint $thumbprint
    $certificate | Show

    Step 'Get-IamraSession (CreateSession signed with the certificate''s key)'
    $session = $certificate | Get-IamraSession -TrustAnchorArn $ta -ProfileArn $pa -RoleArn $ra @endpoints
    $session | Show

    Step 'Get-RedshiftDbCredential -ClusterIdentifier my-redshift-cluster -DbUser analytics_user -DbName dev'
    $credential = $session | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev
    $credential | Show

    Step 'Connect-RedshiftIamra (VerifyFull TLS, password renewed by the pool)'
    $connection = $credential | Connect-RedshiftIamra -RootCertificatePath $sandbox.TlsCaBundlePath
    $connection | Show

    Step "Invoke-RedshiftQuery 'select current_user, now()'"
    Invoke-RedshiftQuery 'select current_user, now()' | Show

    Step 'The same pipeline in one line, a second time (everything cached: no API call)'
    $calls = $sandbox.CountCalls()
    Get-IamraCertificate -Thumbprint $thumbprint |
        Get-IamraSession -TrustAnchorArn $ta -ProfileArn $pa -RoleArn $ra @endpoints |
        Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev |
        Connect-RedshiftIamra -RootCertificatePath $sandbox.TlsCaBundlePath |
        Invoke-RedshiftQuery 'select current_user, now()' | Show
    Write-Host "API calls made by the second run: $($sandbox.CountCalls() - $calls)"

    Step "Serverless: Get-RedshiftDbCredential -WorkgroupName $($sandbox.WorkgroupName) | Connect-RedshiftIamra | Invoke-RedshiftQuery"
    $session | Get-RedshiftDbCredential @redshift -WorkgroupName $sandbox.WorkgroupName -DbName dev |
        Connect-RedshiftIamra -RootCertificatePath $sandbox.TlsCaBundlePath -NoDefault |
        ForEach-Object { Invoke-RedshiftQuery -Connection $_ 'select current_user as serverless_user, now() as at' } |
        Format-Table | Out-Host

    Step 'Test-RedshiftIamraConnection (every hop, timed)'
    Test-RedshiftIamraConnection -Thumbprint $thumbprint -TrustAnchorArn $ta -ProfileArn $pa -RoleArn $ra `
        -RolesAnywhereEndpointUrl $sandbox.RolesAnywhereEndpoint -CaBundlePath $sandbox.TlsCaBundlePath `
        -RedshiftEndpointUrl $sandbox.RedshiftEndpoint -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev `
        -RootCertificatePath $sandbox.TlsCaBundlePath | Out-Host

    Step 'The sandbox''s audit log (what the services saw; no secrets)'
    $sandbox.GetAuditEvents() | Select-Object EventTime, EventSource, EventName, Outcome | Show
} finally {
    Step 'Disconnect-RedshiftIamra -All; Stop-RedshiftIamraSandbox'
    Disconnect-RedshiftIamra -All
    Stop-RedshiftIamraSandbox
}
Step 'Done'
