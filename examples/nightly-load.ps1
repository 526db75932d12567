<#
.SYNOPSIS
    An unattended ETL job: loads each day's files into Redshift with no static secret.

.DESCRIPTION
    Runs under a service account from Windows Task Scheduler or a systemd timer (see
    examples/README.md). The certificate is in the account's certificate store (Windows) or
    in files readable only by the account (Linux). No prompt ever: a missing certificate,
    PIN or permission is an error and a non-zero exit code. Credentials renew themselves
    while the job runs, however long it takes.

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File nightly-load.ps1 -Days 2026-11-24, 2026-11-25
#>
[CmdletBinding()]
param(
    [string[]] $Days = @((Get-Date).AddDays(-1).ToString('yyyy-MM-dd')),
    [string] $Bucket = 'example-staging-bucket'
)

$ErrorActionPreference = 'Stop'
Import-Module RedshiftIamra

# The same settings every night; nothing secret in them.
$target = @{
    Subject           = 'CN=etl-host-01*'
    Latest            = $true                      # after a renewal, take the newest certificate
    TrustAnchorArn    = 'arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/00000000-0000-0000-0000-000000000001'
    ProfileArn        = 'arn:aws:rolesanywhere:eu-west-1:111122223333:profile/00000000-0000-0000-0000-000000000002'
    RoleArn           = 'arn:aws:iam::111122223333:role/redshift-etl'
    ClusterIdentifier = 'my-redshift-cluster'
    DbUser            = 'etl_user'
    DbName            = 'dev'
}

try {
    # Fails fast, naming the broken hop, before any data moves.
    $check = Test-RedshiftIamraConnection @target
    if (-not $check.Passed) {
        $check | Out-String | Write-Error
    }

    $conn = Connect-RedshiftIamra @target -CommandTimeoutSeconds 3600
    foreach ($day in $Days) {
        $rows = Invoke-RedshiftQuery -Connection $conn -As NonQuery -Query "copy sales from 's3://$Bucket/$day/' iam_role default format parquet"
        Write-Information "Loaded $day ($rows rows)." -InformationAction Continue
    }
} catch {
    # The message names what failed and what to do; it never holds a secret.
    Write-Error $_ -ErrorAction Continue
    exit 1
} finally {
    Disconnect-RedshiftIamra -All
}
exit 0
