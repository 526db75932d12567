# The AWS sample deployment as users have it, with this module in place of the Go credential
# helper: a stack with exactly the eight outputs of the sample's template (read from
# moto_server's CloudFormation), then the walkthrough's "Test the solution" steps, run by the
# real AWS CLI and psql against the sandbox (Roles Anywhere, Redshift, Redshift Serverless over
# a real PostgreSQL with TLS):
#   Set-IamraAwsProfile writes the credential_process profile (instead of the Go helper's);
#   aws redshift get-cluster-credentials --db-user analytics_user --cluster-identifier ... --profile ...
#   psql with sslmode=verify-full logs in and runs a query;
#   aws redshift-serverless get-credentials --workgroup-name ... --db-name dev --profile ...
#   psql -U "IAMR:..." logs in and runs a query.
# The CLI is pointed at the sandbox with --endpoint-url and AWS_CA_BUNDLE.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    foreach ($tool in 'aws', 'psql') {
        if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "$tool is not on PATH; this walkthrough drives it." }
    }
    $moto = Start-MotoServer
    $sandbox = Start-RedshiftIamraSandbox -Database
    $sandbox.AddDatabaseUser('analytics_user')
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-seed-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $work

    # The CLI finds nothing of the developer's own, only what the steps write.
    $saved = @{}
    foreach ($name in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE',
        'AWS_CA_BUNDLE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_DEFAULT_REGION', 'REDSHIFTIAMRA_CACHE_DIR',
        'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE', 'PGSSLROOTCERT') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        Remove-Item "Env:$name" -ErrorAction SilentlyContinue
    }
    $env:AWS_CONFIG_FILE = Join-Path $work 'config'
    $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
    $env:REDSHIFTIAMRA_CACHE_DIR = Join-Path $work 'cache'

    # The sample stack: exactly its template's eight outputs, with the sandbox's ARNs and
    # endpoint host names of the AWS form (the sandbox's cluster and workgroup names).
    $region = ($sandbox.TrustAnchorArn -split ':')[3]
    $account = ($sandbox.TrustAnchorArn -split ':')[4]
    $outputs = [ordered]@{
        CertificateAuthorityArn     = "arn:aws:acm-pca:$($region):$($account):certificate-authority/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
        ClientCertificateArn        = "arn:aws:acm:$($region):$($account):certificate/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
        ProfileArn                  = $sandbox.ProfileArn
        RedshiftAccessRoleArn       = $sandbox.RoleArn
        TrustAnchorArn              = $sandbox.TrustAnchorArn
        RedshiftClusterEndpoint     = "$($sandbox.ClusterIdentifier).cabc123xyz45.$region.redshift.amazonaws.com"
        RedshiftClusterPort         = '5439'
        ServerlessWorkgroupEndpoint = "$($sandbox.WorkgroupName).$account.$region.redshift-serverless.amazonaws.com"
    }
    $template = @{
        AWSTemplateFormatVersion = '2010-09-09'
        Resources                = @{ Marker = @{ Type = 'AWS::SSM::Parameter'; Properties = @{ Name = '/redshiftiamra-pester/seed'; Type = 'String'; Value = 'sample-stack' } } }
        Outputs                  = [ordered]@{}
    }
    foreach ($key in $outputs.Keys) { $template.Outputs[$key] = @{ Value = $outputs[$key] } }
    $templatePath = Join-Path $work 'template.json'
    Set-Content $templatePath ($template | ConvertTo-Json -Depth 10)
    $env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'
    try {
        $created = & aws cloudformation create-stack --stack-name redshift-iamra-sample --template-body "file://$templatePath" --region $region --endpoint-url $moto.Url 2>&1
        if ($LASTEXITCODE -ne 0) { throw "aws cloudformation create-stack failed: $created" }
    } finally {
        Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY
    }

    # Runs the AWS CLI as the walkthrough does, against the sandbox, and parses its JSON.
    function Invoke-Aws([string[]] $Arguments) {
        $env:AWS_CA_BUNDLE = $sandbox.TlsCaBundlePath
        try {
            $output = & aws @Arguments --endpoint-url $sandbox.RedshiftEndpoint --output json 2>&1
            $code = $LASTEXITCODE
        } finally {
            Remove-Item Env:AWS_CA_BUNDLE
        }
        $text = ($output | Out-String)
        if ($code -ne 0) { throw "aws $($Arguments -join ' ') failed ($code): $text" }
        $text | ConvertFrom-Json
    }

    # psql as the walkthrough runs it (verify-full against the root the server chains to).
    function Invoke-Psql([string] $User, [string] $Password, [string] $Query) {
        $env:PGPASSWORD = $Password
        $env:PGSSLMODE = 'verify-full'
        $env:PGSSLROOTCERT = $sandbox.PostgresRootCertificatePath
        try {
            $output = & psql -X -A -t -h $sandbox.PostgresHost -p $sandbox.PostgresPort -U $User -d dev -c $Query 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output | Out-String).Trim() }
        } finally {
            Remove-Item Env:PGPASSWORD, Env:PGSSLMODE, Env:PGSSLROOTCERT
        }
    }
}

AfterAll {
    foreach ($name in $saved.Keys) {
        if ($null -eq $saved[$name]) { Remove-Item "Env:$name" -ErrorAction SilentlyContinue } else { Set-Item "Env:$name" $saved[$name] }
    }
    Stop-RedshiftIamraSandbox
    Stop-MotoServer $moto
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The sample deployment, tested as its walkthrough does, with this module' {
    It 'reads the sample stack: cluster and workgroup from the endpoint host names' {
        $script:stack = Get-RedshiftIamraStack redshift-iamra-sample -Region $region -CloudFormationEndpointUrl $moto.Url -AccessKey testing -SecretKey testing
        $stack.Outputs.Count | Should -Be 8
        $stack.ClusterIdentifier | Should -Be $sandbox.ClusterIdentifier
        $stack.WorkgroupName | Should -Be $sandbox.WorkgroupName
        $stack.TrustAnchorArn | Should -Be $sandbox.TrustAnchorArn
        $stack.RoleArn | Should -Be $sandbox.RoleArn
        $stack.Port | Should -Be 5439
    }

    It 'Set-IamraAwsProfile writes the profile the walkthrough''s Go helper wrote' {
        $stack | Set-IamraAwsProfile -ProfileName redshift-iamra -Path $sandbox.ClientCertificatePath -PrivateKeyPath $sandbox.ClientKeyPath -ChainPath $sandbox.ClientChainPath `
            -RolesAnywhereEndpointUrl $sandbox.RolesAnywhereEndpoint -CaBundlePath $sandbox.TlsCaBundlePath
        $config = Get-Content -Raw $env:AWS_CONFIG_FILE
        $config | Should -Match '\[profile redshift-iamra\]'
        # The native helper where the module ships it (this build does), as the Go helper was a native program.
        $config | Should -Match 'credential_process = .*redshift-iamra-credential-process.* .--path. '
        $config | Should -Match "region = $region"
    }

    It 'aws redshift get-cluster-credentials --profile returns a user and a password, and psql (verify-full) logs in with them' {
        $answer = Invoke-Aws @('redshift', 'get-cluster-credentials', '--db-user', 'analytics_user', '--cluster-identifier', $stack.ClusterIdentifier, '--profile', 'redshift-iamra')
        $answer.DbUser | Should -Be 'IAM:analytics_user'
        $answer.DbPassword | Should -Not -BeNullOrEmpty
        $answer.Expiration | Should -Not -BeNullOrEmpty

        $result = Invoke-Psql $answer.DbUser $answer.DbPassword 'select current_user, 40 + 2'
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $result.Text | Should -Be 'IAM:analytics_user|42'
    }

    It 'aws redshift-serverless get-credentials --profile returns an IAMR user, and psql -U "IAMR:..." logs in' {
        $answer = Invoke-Aws @('redshift-serverless', 'get-credentials', '--workgroup-name', $stack.WorkgroupName, '--db-name', 'dev', '--profile', 'redshift-iamra')
        $answer.dbUser | Should -Be "IAMR:$($sandbox.RoleArn.Split('/')[-1])"
        $answer.dbPassword | Should -Not -BeNullOrEmpty

        $result = Invoke-Psql $answer.dbUser $answer.dbPassword 'select current_user'
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $result.Text | Should -Be $answer.dbUser
    }

    It 'made one CreateSession for the whole walkthrough: the credential_process reused its cached session' {
        $sandbox.CountCalls('CreateSession', 'Success') | Should -Be 1
    }
}
