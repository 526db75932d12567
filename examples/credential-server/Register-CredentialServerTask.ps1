<#
.SYNOPSIS
    Registers a Windows scheduled task that runs a credential server for the AWS tools of one
    service account, from boot until the task is stopped.

.DESCRIPTION
    Run once, elevated, on the host. The task runs as the service account, so the token file
    lands in that account's own profile (%LOCALAPPDATA%\RedshiftIamra, which inherits an ACL
    that grants only the account, SYSTEM and Administrators) and is never world-readable. The
    account's saved configuration (Save-RedshiftIamraConfig, run once as that account) names
    its certificate in Cert:\CurrentUser\My and the Roles Anywhere ARNs.

    Clients running as the same account set, for example in the job script:
        $env:AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:9911/credentials'
        $env:AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = "$env:LOCALAPPDATA\RedshiftIamra\credential-server.token"
    Stopping the task (Stop-ScheduledTask) ends pwsh and the port closes with it; a token file
    left behind is useless without its server and is replaced at the next start.
#>
param(
    [string] $Account = 'CORP\svc-etl',
    [string] $ConfigName = 'prod-etl',
    [int] $Port = 9911
)

$ErrorActionPreference = 'Stop'
$command = "Import-Module RedshiftIamra; Start-IamraCredentialServer -ConfigName '$ConfigName' -ListenPort $Port " +
    "-TokenPath (Join-Path `$env:LOCALAPPDATA 'RedshiftIamra\credential-server.token') -Wait"
$action = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -Command `"$command`""
$trigger = New-ScheduledTaskTrigger -AtStartup
# Password logon: Windows needs it to load the account's profile and certificate store.
$principal = New-ScheduledTaskPrincipal -UserId $Account -LogonType Password -RunLevel Limited
# No time limit (the default stops a task after 3 days), restart after a failure.
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 3 -RestartInterval (New-TimeSpan -Minutes 1) -MultipleInstances IgnoreNew
Register-ScheduledTask -TaskName 'RedshiftIamra credential server' -Action $action -Trigger $trigger -Principal $principal -Settings $settings `
    -Credential (Get-Credential $Account -Message 'The service account''s Windows logon (Task Scheduler stores it; no AWS secret is stored).')
