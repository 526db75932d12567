# From a CloudFormation stack to a connection: Get-RedshiftIamraStack against moto_server,
# the stack's properties bound by name into Get-IamraSession, Get-RedshiftDbCredential and
# Connect-RedshiftIamra against the sandbox, saved configurations (Save-, Get-,
# Remove-RedshiftIamraConfig) in a temporary file, and Connect-RedshiftIamra /
# Test-RedshiftIamraConnection -ConfigName against the sandbox's database.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    $moto = Start-MotoServer
    $aws = @{ CloudFormationEndpointUrl = $moto.Url; AccessKey = 'testing'; SecretKey = (ConvertTo-SecureString 'testing' -AsPlainText -Force); Region = 'us-east-1' }

    $sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
    $sandbox.AddDatabaseUser('analytics_user')
    $sandbox.AddDatabaseUser('etl_user')
    $thumbprint = $sandbox.ClientCertificate.Thumbprint
    $root = $sandbox.TlsCaBundlePath
    $endpoints = @{
        RolesAnywhereEndpointUrl = $sandbox.RolesAnywhereEndpoint
        RedshiftEndpointUrl      = $sandbox.RedshiftEndpoint
        CaBundlePath             = $root
        RootCertificatePath      = $root
    }

    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-stackconfig-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $work
    $savedConfigVariable = $env:REDSHIFTIAMRA_CONFIG
    $configPath = Join-Path $work 'settings/config.json'
    $env:REDSHIFTIAMRA_CONFIG = $configPath

    # The outputs of deploy/redshift-iamra.yaml, with the values of a deployment in us-east-1.
    $account = '111122223333'
    $templateOutputs = [ordered]@{
        CertificateAuthorityArn     = "arn:aws:acm-pca:us-east-1:$($account):certificate-authority/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
        ClientCertificateArn        = "arn:aws:acm:us-east-1:$($account):certificate/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
        ProfileArn                  = "arn:aws:rolesanywhere:us-east-1:$($account):profile/6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e"
        RedshiftAccessRoleArn       = "arn:aws:iam::$($account):role/redshift-test-RedshiftAccessRole-1A2B3C4D5E6F"
        TrustAnchorArn              = "arn:aws:rolesanywhere:us-east-1:$($account):trust-anchor/0f5a3c1e-8b2d-4e6f-9a7b-1c2d3e4f5a6b"
        RedshiftClusterEndpoint     = 'my-redshift-cluster.cabc123xyz45.us-east-1.redshift.amazonaws.com'
        RedshiftClusterPort         = '5439'
        ServerlessWorkgroupEndpoint = "my-serverless-workgroup.$account.us-east-1.redshift-serverless.amazonaws.com"
        Region                      = @{ Ref = 'AWS::Region' }
        RedshiftClusterIdentifier   = 'my-redshift-cluster'
        ServerlessWorkgroupName     = 'my-serverless-workgroup'
        RedshiftDatabaseName        = 'dev'
        DbUser                      = 'analytics_user'
    }

    # Creates a stack in moto whose outputs are the given values (a string, or an intrinsic
    # such as @{ Ref = 'AWS::Region' } that moto evaluates). moto routes the call by the
    # service in the credential scope; it checks no signature unless it is told to.
    function New-MotoStack([string] $Name, [System.Collections.IDictionary] $Outputs) {
        $template = [ordered]@{
            AWSTemplateFormatVersion = '2010-09-09'
            Resources                = @{ Marker = @{ Type = 'AWS::SSM::Parameter'; Properties = @{ Name = "/redshiftiamra-pester/$Name"; Type = 'String'; Value = 'made by a Pester test' } } }
            Outputs                  = [ordered]@{}
        }
        foreach ($key in $Outputs.Keys) { $template.Outputs[$key] = @{ Value = $Outputs[$key] } }
        $body = 'Action=CreateStack&Version=2010-05-15&StackName=' + [uri]::EscapeDataString($Name) +
            '&TemplateBody=' + [uri]::EscapeDataString(($template | ConvertTo-Json -Depth 10 -Compress))
        $scope = "testing/$([DateTime]::UtcNow.ToString('yyyyMMdd'))/us-east-1/cloudformation/aws4_request"
        $answer = Invoke-RestMethod -Method Post -Uri "$($moto.Url)/" -Body $body -ContentType 'application/x-www-form-urlencoded; charset=utf-8' `
            -Headers @{ Authorization = "AWS4-HMAC-SHA256 Credential=$scope, SignedHeaders=host, Signature=0" }
        $answer.CreateStackResponse.CreateStackResult.StackId
    }

    function Without([System.Collections.IDictionary] $Outputs, [string[]] $Keys) {
        $copy = [ordered]@{}
        foreach ($key in $Outputs.Keys) { if ($key -notin $Keys) { $copy[$key] = $Outputs[$key] } }
        $copy
    }

    $templateStackId = New-MotoStack 'redshift-test' $templateOutputs

    # A stack whose outputs are the sandbox's: its Roles Anywhere ARNs and its cluster, reached at
    # the sandbox's PostgreSQL; the workgroup has no endpoint output, so GetWorkgroup finds it.
    $null = New-MotoStack 'sandbox-stack' ([ordered]@{
        TrustAnchorArn            = $sandbox.TrustAnchorArn
        ProfileArn                = $sandbox.ProfileArn
        RedshiftAccessRoleArn     = $sandbox.RoleArn
        Region                    = @{ Ref = 'AWS::Region' }
        RedshiftClusterIdentifier = $sandbox.ClusterIdentifier
        RedshiftClusterEndpoint   = $sandbox.PostgresHost
        RedshiftClusterPort       = "$($sandbox.PostgresPort)"
        ServerlessWorkgroupName   = $sandbox.WorkgroupName
        RedshiftDatabaseName      = 'dev'
        DbUser                    = 'analytics_user'
    })
    $sandboxStack = Get-RedshiftIamraStack -StackName sandbox-stack @aws
}

AfterAll {
    Disconnect-RedshiftIamra -All
    Stop-RedshiftIamraSandbox
    Stop-MotoServer $moto
    $env:REDSHIFTIAMRA_CONFIG = $savedConfigVariable
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-RedshiftIamraStack' {
    It 'reads every output of the template under the names the cmdlets bind' {
        $stack = Get-RedshiftIamraStack -StackName redshift-test @aws
        @($stack).Count | Should -Be 1
        $stack.GetType().FullName | Should -Be 'RedshiftIamra.RedshiftIamraStack'
        $stack.StackName | Should -Be 'redshift-test'
        $stack.StackId | Should -Be $templateStackId
        $stack.StackStatus | Should -Be 'CREATE_COMPLETE'
        $stack.Region | Should -Be 'us-east-1'
        $stack.TrustAnchorArn | Should -Be $templateOutputs.TrustAnchorArn
        $stack.ProfileArn | Should -Be $templateOutputs.ProfileArn
        $stack.RoleArn | Should -Be $templateOutputs.RedshiftAccessRoleArn
        $stack.ClusterIdentifier | Should -Be 'my-redshift-cluster'
        $stack.Hostname | Should -Be $templateOutputs.RedshiftClusterEndpoint
        $stack.Port | Should -Be 5439
        $stack.WorkgroupName | Should -Be 'my-serverless-workgroup'
        $stack.ServerlessWorkgroupEndpoint | Should -Be $templateOutputs.ServerlessWorkgroupEndpoint
        $stack.DbName | Should -Be 'dev'
        $stack.DbUser | Should -Be 'analytics_user'
        $stack.CertificateAuthorityArn | Should -Be $templateOutputs.CertificateAuthorityArn
        $stack.ClientCertificateArn | Should -Be $templateOutputs.ClientCertificateArn
        $stack.Outputs.Count | Should -Be 13
        $stack.Outputs['RedshiftAccessRoleArn'] | Should -Be $templateOutputs.RedshiftAccessRoleArn
    }

    It 'has a view that shows the status and the ARNs' {
        $text = Get-RedshiftIamraStack redshift-test @aws | Out-String
        $text | Should -Match 'StackStatus\s+: CREATE_COMPLETE'
        $text | Should -Match 'RoleArn\s+: arn:aws:iam::111122223333:role/redshift-test-RedshiftAccessRole-1A2B3C4D5E6F'
        $text | Should -Match 'Port\s+: 5439'
    }

    It 'says where the region, the endpoint and the credentials came from' {
        $verbose = Get-RedshiftIamraStack redshift-test @aws -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
        $verbose | Should -Match 'region us-east-1 \(from the -Region parameter\)'
        $verbose | Should -Match ([regex]::Escape("$($moto.Url)/ (the -CloudFormationEndpointUrl parameter)"))
        $verbose | Should -Match 'access key testing given as parameters'
        $verbose | Should -Match 'Stack redshift-test: CREATE_COMPLETE, 13 output'
    }

    It 'takes the endpoint, region and keys from the environment like the AWS SDKs' {
        # Set and restored with the Env: drive: an empty value is a variable that exists, and
        # tools started later (cfn-lint) would read an empty region from it.
        function Set-TestVariable([string] $Name, $Value) {
            if ($null -eq $Value) { Remove-Item "Env:\$Name" -ErrorAction SilentlyContinue } else { Set-Item "Env:\$Name" $Value }
        }
        $saved = @{}
        $variables = @{ AWS_ENDPOINT_URL_CLOUDFORMATION = $moto.Url; AWS_REGION = 'us-east-1'; AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing'; AWS_PROFILE = $null }
        foreach ($name in $variables.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-TestVariable $name $variables[$name] }
        try {
            $verbose = Get-RedshiftIamraStack redshift-test -Verbose 4>&1
            ($verbose | Where-Object { $_.GetType().FullName -eq 'RedshiftIamra.RedshiftIamraStack' }).StackName | Should -Be 'redshift-test'
            $text = $verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
            $text | Should -Match 'the AWS_REGION environment variable'
            $text | Should -Match 'the AWS_ENDPOINT_URL_CLOUDFORMATION environment variable'
            $text | Should -Match 'environment variables \(AWS_ACCESS_KEY_ID'
        } finally {
            foreach ($name in $saved.Keys) { Set-TestVariable $name $saved[$name] }
            foreach ($name in $saved.Keys) { Test-Path "Env:\$name" | Should -Be ($null -ne $saved[$name]) }
        }
    }

    It 'reads a stack by its id, with the region from the id' {
        $byId = @{} + $aws
        $byId.Remove('Region')
        (Get-RedshiftIamraStack -StackName $templateStackId @byId).StackName | Should -Be 'redshift-test'
    }

    It 'names a stack that does not exist: RedshiftIamraStackNotFound' {
        $err = $null
        Get-RedshiftIamraStack -StackName no-such-stack @aws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftIamraStackNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'no-such-stack'
        $err[0].Exception.Message | Should -Match "The stack 'no-such-stack' does not exist in us-east-1"
        $err[0].Exception.Message | Should -Match 'Stack with id no-such-stack does not exist'
    }

    It 'names the output a stack lacks: RedshiftIamraStackOutputMissing' {
        $null = New-MotoStack 'no-role-output' (Without $templateOutputs 'RedshiftAccessRoleArn')
        $err = $null
        Get-RedshiftIamraStack no-role-output @aws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftIamraStackOutputMissing,*'
        $err[0].Exception.Message | Should -Match "has no output 'RedshiftAccessRoleArn'"
    }

    It 'refuses a bad stack name before any call' {
        $err = $null
        Get-RedshiftIamraStack -StackName 'not_a_stack' @aws -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftIamraInvalidStackName,*'
    }
}

Describe 'A stack bound by property name' {
    It 'gives Get-IamraSession its ARNs and region: a session from the sandbox' {
        $session = $sandboxStack | Get-IamraSession -Thumbprint $thumbprint -RolesAnywhereEndpointUrl $sandbox.RolesAnywhereEndpoint -CaBundlePath $root -Force
        $session.GetType().FullName | Should -Be 'RedshiftIamra.IamraSession'
        $session.RoleArn | Should -Be $sandbox.RoleArn
        $session.Region | Should -Be 'us-east-1'
        $session.Expiration | Should -BeGreaterThan (Get-Date)
    }

    It 'gives Get-RedshiftDbCredential its cluster, host and port; a null workgroup binds as not given' {
        $serverlessOnly = New-MotoStack 'cluster-only' ([ordered]@{
            TrustAnchorArn = $sandbox.TrustAnchorArn; ProfileArn = $sandbox.ProfileArn; RedshiftAccessRoleArn = $sandbox.RoleArn
            RedshiftClusterIdentifier = $sandbox.ClusterIdentifier; RedshiftClusterEndpoint = $sandbox.PostgresHost; RedshiftClusterPort = "$($sandbox.PostgresPort)"
        })
        $stack = Get-RedshiftIamraStack cluster-only @aws
        $stack.WorkgroupName | Should -BeNullOrEmpty
        $session = $stack | Get-IamraSession -Thumbprint $thumbprint -RolesAnywhereEndpointUrl $sandbox.RolesAnywhereEndpoint -CaBundlePath $root
        $credential = $stack | Get-RedshiftDbCredential -Session $session -DbUser analytics_user -DbName dev -RedshiftEndpointUrl $sandbox.RedshiftEndpoint -CaBundlePath $root
        $credential.DbUser | Should -Be 'IAM:analytics_user'
        $credential.Host | Should -Be $sandbox.PostgresHost
        $credential.Port | Should -Be $sandbox.PostgresPort
        $credential.Kind | Should -Be 'Provisioned'
    }

    It 'gives Connect-RedshiftIamra everything but the certificate and the endpoints' {
        $conn = $sandboxStack | Connect-RedshiftIamra -Thumbprint $thumbprint @endpoints -NoDefault
        try {
            (Invoke-RedshiftQuery -Connection $conn 'select current_user as who, current_database() as db') | ForEach-Object {
                $_.who | Should -Be 'IAM:analytics_user'
                $_.db | Should -Be 'dev'
            }
        } finally {
            $conn | Disconnect-RedshiftIamra
        }
    }
}

Describe 'Save-, Get- and Remove-RedshiftIamraConfig' {
    BeforeEach {
        Remove-Item (Split-Path $configPath) -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'saves what a connection needs from a piped stack, in an owner-only file, with no secret' {
        $saved = Get-RedshiftIamraStack redshift-test @aws | Save-RedshiftIamraConfig -Name prod-etl -Thumbprint $thumbprint -ChainPath $sandbox.ClientChainPath -PassThru
        $saved.GetType().FullName | Should -Be 'RedshiftIamra.RedshiftIamraConfig'
        $saved.ConfigPath | Should -Be $configPath
        Test-Path $configPath | Should -BeTrue

        $entry = (Get-Content -Raw $configPath | ConvertFrom-Json -AsHashtable).Configs['prod-etl']
        $entry.Thumbprint | Should -Be $thumbprint
        $entry.ChainPath | Should -Be $sandbox.ClientChainPath
        $entry.TrustAnchorArn | Should -Be $templateOutputs.TrustAnchorArn
        $entry.ProfileArn | Should -Be $templateOutputs.ProfileArn
        $entry.RoleArn | Should -Be $templateOutputs.RedshiftAccessRoleArn
        $entry.Region | Should -Be 'us-east-1'
        $entry.ClusterIdentifier | Should -Be 'my-redshift-cluster'
        $entry.Hostname | Should -Be $templateOutputs.RedshiftClusterEndpoint
        $entry.Port | Should -Be 5439
        $entry.DbName | Should -Be 'dev'
        $entry.DbUser | Should -Be 'analytics_user'
        $entry.StackName | Should -Be 'redshift-test'
        $entry.Keys | Should -Not -Contain 'WorkgroupName' -Because 'a configuration connects to one target: the cluster, unless -WorkgroupName is given'

        $text = Get-Content -Raw $configPath
        $text | Should -Not -Match '(?i)"[^"]*(password|secret|token|key)[^"]*"\s*:' -Because 'an entry has no field for a secret'
        $text | Should -Not -Match 'PRIVATE KEY'
        $text | Should -Not -Match 'testing' -Because 'the AWS keys that read the stack are not part of the configuration'
        $keyBody = ((Get-Content -Raw $sandbox.ClientKeyPath) -replace '-----[A-Z ]+-----', '' -replace '\s', '').Substring(0, 40)
        $text.Replace("`n", '') | Should -Not -Match ([regex]::Escape($keyBody))

        if (-not $IsWindows) {
            (Get-Item $configPath).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite')
            (Get-Item (Split-Path $configPath)).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
        }
    }

    It 'keeps the other entries, and fields it does not know, as they were' {
        $null = New-Item -ItemType Directory (Split-Path $configPath) -Force
        Set-Content $configPath '{ "Version": 1, "Configs": { "other": { "Thumbprint": "AB", "AddedLater": { "x": [1, 2] } } } }'
        $sandboxStack | Save-RedshiftIamraConfig -Name one -Thumbprint $thumbprint
        $sandboxStack | Save-RedshiftIamraConfig -Name two -Thumbprint $thumbprint
        Remove-RedshiftIamraConfig one

        $document = Get-Content -Raw $configPath | ConvertFrom-Json -AsHashtable
        @($document.Configs.Keys | Sort-Object) | Should -Be @('other', 'two')
        ($document.Configs['other'] | ConvertTo-Json -Compress -Depth 5) | Should -Be '{"Thumbprint":"AB","AddedLater":{"x":[1,2]}}'
        if (-not $IsWindows) {
            (Get-Item $configPath).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite') -Because 'a file that existed is made owner-only too'
        }
    }

    It 'writes nothing with -WhatIf' {
        $sandboxStack | Save-RedshiftIamraConfig -Name prod-etl -Thumbprint $thumbprint -WhatIf
        Test-Path $configPath | Should -BeFalse

        $sandboxStack | Save-RedshiftIamraConfig -Name prod-etl -Thumbprint $thumbprint
        $before = Get-FileHash $configPath
        $sandboxStack | Save-RedshiftIamraConfig -Name prod-etl -Thumbprint $thumbprint -DbUser etl_user -WhatIf
        Remove-RedshiftIamraConfig prod-etl -WhatIf
        (Get-FileHash $configPath).Hash | Should -Be $before.Hash
    }

    It 'lists the entries with a view, by name and by wildcard' {
        $sandboxStack | Save-RedshiftIamraConfig -Name beta -Thumbprint $thumbprint
        $sandboxStack | Save-RedshiftIamraConfig -Name alpha -Subject $sandbox.ClientCertificate.Certificate.Subject -Latest
        $sandboxStack | Save-RedshiftIamraConfig -Name serverless -Thumbprint $thumbprint -WorkgroupName $sandbox.WorkgroupName

        @(Get-RedshiftIamraConfig).Name | Should -Be @('alpha', 'beta', 'serverless')
        (Get-RedshiftIamraConfig BETA).Name | Should -Be 'beta'
        @(Get-RedshiftIamraConfig -Name 'a*', 's*').Name | Should -Be @('alpha', 'serverless')
        (Get-RedshiftIamraConfig alpha).Certificate | Should -BeLike "subject '*' in Cert:\CurrentUser\My, latest"
        $serverless = Get-RedshiftIamraConfig serverless
        $serverless.WorkgroupName | Should -Be $sandbox.WorkgroupName
        $serverless.ClusterIdentifier | Should -BeNullOrEmpty
        $serverless.Hostname | Should -BeNullOrEmpty -Because 'the cluster''s host is not the workgroup''s'
        $serverless.DbUser | Should -BeNullOrEmpty

        $sandboxStack | Save-RedshiftIamraConfig -Name elsewhere -Thumbprint $thumbprint -ClusterIdentifier other-cluster
        $elsewhere = Get-RedshiftIamraConfig elsewhere
        $elsewhere.ClusterIdentifier | Should -Be 'other-cluster'
        $elsewhere.Hostname | Should -BeNullOrEmpty -Because 'the stack''s host is its own cluster''s'
        $elsewhere.Port | Should -BeNullOrEmpty
        $elsewhere.WorkgroupName | Should -BeNullOrEmpty
        Remove-RedshiftIamraConfig elsewhere

        $table = Get-RedshiftIamraConfig | Out-String -Width 300
        $table | Should -Match 'Name\s+Target\s+Region\s+Certificate'
        $table | Should -Match "beta\s+cluster $($sandbox.ClusterIdentifier)/dev as analytics_user"
    }

    It 'names an unknown entry and lists the saved ones: RedshiftIamraConfigNotFound' {
        $sandboxStack | Save-RedshiftIamraConfig -Name alpha -Thumbprint $thumbprint
        foreach ($command in { Get-RedshiftIamraConfig nope -ErrorAction Stop }, { Remove-RedshiftIamraConfig nope -ErrorAction Stop }) {
            $err = { & $command } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'RedshiftIamraConfigNotFound,*'
            $err.Exception.Message | Should -Match "no saved configuration 'nope'"
            $err.Exception.Message | Should -Match 'Saved configurations: alpha\.'
        }
    }

    It 'checks the certificate and every value before writing' {
        $err = { $sandboxStack | Save-RedshiftIamraConfig -Name nocert -Thumbprint ('0' * 40) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'IamraCertificateNotFound,*'
        $err.Exception.Message | Should -Match 'SkipCertificateCheck'
        Test-Path $configPath | Should -BeFalse

        $sandboxStack | Save-RedshiftIamraConfig -Name later -Thumbprint ('0' * 40) -SkipCertificateCheck
        (Get-RedshiftIamraConfig later).Thumbprint | Should -Be ('0' * 40)

        $err = { Save-RedshiftIamraConfig -Name noarns -Thumbprint $thumbprint -ClusterIdentifier c1 -DbUser u -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'RedshiftIamraConfigIncomplete,*'
        $err.Exception.Message | Should -Match '-TrustAnchorArn, -ProfileArn, -RoleArn'

        $err = { $sandboxStack | Save-RedshiftIamraConfig -Name 'bad name' -Thumbprint $thumbprint -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'RedshiftIamraInvalidConfigName,*'
    }

    It 'stores file paths absolute' {
        Push-Location (Split-Path $sandbox.ClientCertificatePath)
        try {
            $sandboxStack | Save-RedshiftIamraConfig -Name files -Path (Split-Path -Leaf $sandbox.ClientCertificatePath) -PrivateKeyPath (Split-Path -Leaf $sandbox.ClientKeyPath)
        } finally {
            Pop-Location
        }
        $files = Get-RedshiftIamraConfig files
        $files.CertificatePath | Should -Be $sandbox.ClientCertificatePath
        $files.PrivateKeyPath | Should -Be $sandbox.ClientKeyPath
    }
}

Describe 'Connect-RedshiftIamra and Test-RedshiftIamraConnection -ConfigName' {
    BeforeAll {
        Remove-Item (Split-Path $configPath) -Recurse -Force -ErrorAction SilentlyContinue
        $sandboxStack | Save-RedshiftIamraConfig -Name sandbox-etl -Thumbprint $thumbprint @endpoints
        $sandboxStack | Save-RedshiftIamraConfig -Name sandbox-serverless -Thumbprint $thumbprint -WorkgroupName $sandbox.WorkgroupName @endpoints

        # A certificate file with an encrypted key: the configuration holds no password, the caller gives it.
        $keyPassword = ConvertTo-SecureString ('Key-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force
        $encryptedKey = Join-Path $work 'client-encrypted.key'
        $pbe = [System.Security.Cryptography.PbeParameters]::new('Aes256Cbc', [System.Security.Cryptography.HashAlgorithmName]::SHA256, 1000)
        $ecKey = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($sandbox.ClientCertificate.Certificate)
        Set-Content $encryptedKey $ecKey.ExportEncryptedPkcs8PrivateKeyPem([System.Net.NetworkCredential]::new('', $keyPassword).Password, $pbe)
        $sandboxStack | Save-RedshiftIamraConfig -Name sandbox-files -Path $sandbox.ClientCertificatePath -PrivateKeyPath $encryptedKey @endpoints
    }

    It 'connects with the saved settings alone' {
        $conn = Connect-RedshiftIamra -ConfigName sandbox-etl
        $conn.State | Should -Be 'Open'
        $conn.TlsMode | Should -Be 'VerifyFull'
        (Invoke-RedshiftQuery 'select current_user as who, current_database() as db') | ForEach-Object {
            $_.who | Should -Be 'IAM:analytics_user'
            $_.db | Should -Be 'dev'
        }
        $conn | Disconnect-RedshiftIamra
    }

    It 'says which configuration it used and what was overridden' {
        $verbose = Connect-RedshiftIamra -ConfigName sandbox-etl -DbUser etl_user -NoDefault -Verbose 4>&1
        $conn = $verbose | Where-Object { $_.GetType().FullName -eq 'RedshiftIamra.RedshiftConnection' }
        try {
            $text = $verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
            $text | Should -Match ([regex]::Escape("Using the saved configuration 'sandbox-etl' from $configPath"))
            $text | Should -Match 'overridden: -DbUser'
            (Invoke-RedshiftQuery -Connection $conn 'select current_user as who').who | Should -Be 'IAM:etl_user' -Because 'a parameter given beside -ConfigName overrides the saved value'
        } finally {
            $conn | Disconnect-RedshiftIamra
        }
    }

    It 'connects to a saved workgroup as the role' {
        $conn = Connect-RedshiftIamra -ConfigName sandbox-serverless -NoDefault
        try {
            (Invoke-RedshiftQuery -Connection $conn 'select current_user as who').who | Should -Be "IAMR:$($sandbox.RoleArn.Split('/')[-1])"
        } finally {
            $conn | Disconnect-RedshiftIamra
        }
    }

    It 'takes -Password for a saved certificate file with an encrypted key' {
        $err = { Connect-RedshiftIamra -ConfigName sandbox-files -NoDefault -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'IamraCertificatePasswordRequired,*'
        $conn = Connect-RedshiftIamra -ConfigName sandbox-files -Password $keyPassword -NoDefault
        try {
            (Invoke-RedshiftQuery -Connection $conn 'select 1 as one').one | Should -Be 1
        } finally {
            $conn | Disconnect-RedshiftIamra
        }
    }

    It 'checks every stage with the saved settings' {
        $result = Test-RedshiftIamraConnection -ConfigName sandbox-etl
        $result.Passed | Should -BeTrue -Because ($result.Stages | Where-Object Status -ne 'Passed' | Out-String)
        @($result.Stages | Where-Object Status -eq 'Passed').Count | Should -Be @($result.Stages).Count
        Test-RedshiftIamraConnection -ConfigName sandbox-etl -Quiet | Should -BeTrue
    }

    It 'names an unknown configuration and lists the saved ones: RedshiftIamraConfigNotFound' {
        foreach ($command in { Connect-RedshiftIamra -ConfigName prod-typo }, { Test-RedshiftIamraConnection -ConfigName prod-typo }) {
            $err = { & $command } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'RedshiftIamraConfigNotFound,*'
            $err.Exception.Message | Should -Match "no saved configuration 'prod-typo'"
            $err.Exception.Message | Should -Match 'Saved configurations: sandbox-etl, sandbox-files, sandbox-serverless\.'
        }
    }
}
