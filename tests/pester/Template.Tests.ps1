#Requires -Version 7.4
# Pester 5 tests of the AWS-side CloudFormation template, deploy/redshift-iamra.yaml.
# They read the template only (no AWS account, no built module): cfn-lint lints
# it, Python turns its YAML into JSON, and the rules in TemplateRules.ps1 check
# that a later edit cannot silently widen what it grants.
#
# Peers: cfn-lint, and python3 with cfn-lint's decoder or PyYAML. When one is
# missing, its tests FAIL in CI ($env:CI -eq 'true') and are skipped, with the
# reason, elsewhere.
#
# cfn-lint policy: no error and no warning. cfn-lint's exit code is a set of bit
# flags (1 could not lint, 2 error, 4 warning, 8 informational); 1, 2 and 4 fail
# the tests. Informational findings are not asked for (cfn-lint's default). A
# warning that must stay is to be silenced in the template itself, on the
# resource, with Metadata: cfn-lint: config: ignore_checks and a comment saying
# why, so that the exception is reviewed where it lives.

BeforeDiscovery {
    # What the template promises. Handed to the tests through -ForEach.
    $arn = 'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}'
    $dbUserArn = $arn + ':dbuser:${RedshiftClusterIdentifier}/${DbUser}'
    $dbNameArn = $arn + ':dbname:${RedshiftClusterIdentifier}/${RedshiftDatabaseName}'
    $clusterArn = $arn + ':cluster:${RedshiftClusterIdentifier}'
    $workgroupArn = '!GetAtt Workgroup.Workgroup.WorkgroupArn'
    $stagedObjects = '${StagingBucket.Arn}/${StagingPrefix}*'
    $stagingBucket = '!GetAtt StagingBucket.Arn'

    $contract = @{
        Parameters  = @(
            @{ Name = 'VPCCIDR'; Default = '10.0.0.0/16' }
            @{ Name = 'PrivateSubnet1CIDR'; Default = '10.0.1.0/24' }
            @{ Name = 'PrivateSubnet2CIDR'; Default = '10.0.2.0/24' }
            # Redshift Serverless needs subnets in three Availability Zones.
            @{ Name = 'PrivateSubnet3CIDR'; Default = '10.0.3.0/24' }
            @{ Name = 'CACommonName'; Default = 'redshift-ca.example.com' }
            @{ Name = 'CAOrganization'; Default = 'Example Corp' }
            @{ Name = 'CACountry'; Default = 'US' }
            @{ Name = 'CAValidityInDays'; Default = '1826' }
            @{ Name = 'ClientCertificateCommonName'; Default = 'redshift-client.example.com' }
            @{ Name = 'RedshiftClusterIdentifier'; Default = 'my-redshift-cluster' }
            @{ Name = 'RedshiftDatabaseName'; Default = 'dev' }
            @{ Name = 'RedshiftMasterUsername'; Default = 'admin' }
            @{ Name = 'RedshiftNodeType'; Default = 'ra3.xlplus' }
            @{ Name = 'RedshiftNumberOfNodes'; Default = '1' }
            @{ Name = 'ServerlessNamespace'; Default = 'my-serverless-namespace' }
            @{ Name = 'ServerlessWorkgroup'; Default = 'my-serverless-workgroup' }
            @{ Name = 'DbUser'; Default = 'analytics_user' }
            @{ Name = 'StagingPrefix'; Default = 'redshift-iamra/' }
        )
        # Output names are bound by name by the module's stack reader: keep them.
        Outputs     = @(
            @{ Name = 'CertificateAuthorityArn'; Value = '!GetAtt CertificateAuthority.Arn' }
            @{ Name = 'ClientCertificateArn'; Value = '!Ref ClientCertificate' }
            @{ Name = 'ProfileArn'; Value = '!GetAtt Profile.ProfileArn' }
            @{ Name = 'RedshiftAccessRoleArn'; Value = '!GetAtt RedshiftAccessRole.Arn' }
            @{ Name = 'TrustAnchorArn'; Value = '!GetAtt TrustAnchor.TrustAnchorArn' }
            @{ Name = 'RedshiftClusterEndpoint'; Value = '!GetAtt RedshiftCluster.Endpoint.Address' }
            @{ Name = 'RedshiftClusterPort'; Value = '!GetAtt RedshiftCluster.Endpoint.Port' }
            @{ Name = 'ServerlessWorkgroupEndpoint'; Value = '!GetAtt Workgroup.Workgroup.Endpoint.Address' }
            @{ Name = 'Region'; Value = '!Ref AWS::Region' }
            @{ Name = 'RedshiftClusterIdentifier'; Value = '!Ref RedshiftCluster' }
            @{ Name = 'ServerlessWorkgroupName'; Value = '!Ref Workgroup' }
            @{ Name = 'RedshiftDatabaseName'; Value = '!Ref RedshiftDatabaseName' }
            @{ Name = 'DbUser'; Value = '!Ref DbUser' }
            @{ Name = 'StagingBucketName'; Value = '!Ref StagingBucket' }
            @{ Name = 'StagingPrefix'; Value = '!Ref StagingPrefix' }
            @{ Name = 'CopyRoleArn'; Value = '!GetAtt CopyRole.Arn' }
        )
        # The role's whole grant: action -> exactly these resources.
        # GetClusterCredentialsWithIAM: the IAM Service Authorization Reference
        # gives dbname as its resource type (and the API reference requires the
        # dbname resource when DbName is passed); the cluster ARN is kept beside
        # it (see the template's comment).
        Permissions = @(
            @{ Action = 'redshift:GetClusterCredentials'; Resources = @($dbUserArn, $dbNameArn); Kind = 'the dbuser and dbname' }
            @{ Action = 'redshift:GetClusterCredentialsWithIAM'; Resources = @($dbNameArn, $clusterArn); Kind = 'the dbname and the cluster' }
            @{ Action = 'redshift:DescribeClusters'; Resources = @($clusterArn); Kind = 'the cluster' }
            @{ Action = 'redshift-serverless:GetCredentials'; Resources = @($workgroupArn); Kind = 'the workgroup' }
            @{ Action = 'redshift-serverless:GetWorkgroup'; Resources = @($workgroupArn); Kind = 'the workgroup' }
            @{ Action = 's3:PutObject'; Resources = @($stagedObjects); Kind = 'the objects under the staging prefix' }
            @{ Action = 's3:GetObject'; Resources = @($stagedObjects); Kind = 'the objects under the staging prefix' }
            @{ Action = 's3:DeleteObject'; Resources = @($stagedObjects); Kind = 'the objects under the staging prefix' }
            @{ Action = 's3:ListBucket'; Resources = @($stagingBucket); Kind = 'the staging bucket (listing under the prefix)' }
        )
        # The COPY role's whole grant (Redshift reads and writes the staged objects for COPY and UNLOAD).
        CopyPermissions = @(
            @{ Action = 's3:GetObject'; Resources = @($stagedObjects); Kind = 'the objects under the staging prefix' }
            @{ Action = 's3:PutObject'; Resources = @($stagedObjects); Kind = 'the objects under the staging prefix' }
            @{ Action = 's3:ListBucket'; Resources = @($stagingBucket); Kind = 'the staging bucket' }
            @{ Action = 's3:GetBucketLocation'; Resources = @($stagingBucket); Kind = 'the staging bucket' }
        )
        Endpoints   = @(
            @{ Service = 'rolesanywhere' }
            @{ Service = 'sts' }
            @{ Service = 'redshift' }
            @{ Service = 'redshift-serverless' }
            @{ Service = 's3' }
        )
    }

    # Negative self-checks: each widens one rule in a deep copy of the template
    # and names the check that must then report it. Mutate and Check run in the
    # test's scope, where TemplateRules.ps1 and the helpers of BeforeAll
    # (Get-PolicyStatementOf, Get-TrustStatementOf) are loaded.
    $selfChecks = @(
        @{ Name = "a policy Resource set to '*'"
            Mutate = { param($t) (Get-PolicyStatementOf $t 0)['Resource'] = '*' }
            Check = { param($t) Get-PermissionShapeViolation $t | Select-Rule Resource } }
        @{ Name = "a dbuser Resource widened to every user (ending in '*')"
            Mutate = { param($t) (Get-PolicyStatementOf $t 0)['Resource'][0] = @{ 'Fn::Sub' = 'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:dbuser:${RedshiftClusterIdentifier}/*' } }
            Check = { param($t) Get-PermissionShapeViolation $t | Select-Rule Resource } }
        @{ Name = "a wildcard Action ('redshift:*')"
            Mutate = { param($t) (Get-PolicyStatementOf $t 2)['Action'] = @('redshift:DescribeClusters', 'redshift:*') }
            Check = { param($t) Get-PermissionShapeViolation $t | Select-Rule Action } }
        @{ Name = 'an extra action (redshift:CreateClusterUser)'
            Mutate = { param($t) (Get-PolicyStatementOf $t 0)['Action'] = @('redshift:GetClusterCredentials', 'redshift:CreateClusterUser') }
            Check = { param($t) Get-GrantedActionViolation $t $Contract.Permissions.Action } }
        @{ Name = 'GetClusterCredentials moved onto the cluster ARN'
            Mutate = { param($t) (Get-PolicyStatementOf $t 0)['Resource'] = @{ 'Fn::Sub' = 'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:cluster:${RedshiftClusterIdentifier}' } }
            Check = { param($t) $p = $Contract.Permissions[0]; Get-ActionResourceViolation $t $p.Action $p.Resources } }
        @{ Name = 'a managed policy attached to the role'
            Mutate = { param($t) $t['Resources']['RedshiftAccessRole']['Properties']['ManagedPolicyArns'] = @('arn:aws:iam::aws:policy/AmazonRedshiftFullAccess') }
            Check = { param($t) Get-PermissionShapeViolation $t | Select-Rule Placement } }
        @{ Name = 'a second service trusted by the role'
            Mutate = { param($t) (Get-TrustStatementOf $t)['Principal']['Service'] = @('rolesanywhere.amazonaws.com', 'ec2.amazonaws.com') }
            Check = { param($t) Get-TrustPolicyViolation $t | Select-Rule Principal } }
        @{ Name = 'an extra trust action (sts:AssumeRoleWithWebIdentity)'
            Mutate = { param($t) (Get-TrustStatementOf $t)['Action'] += 'sts:AssumeRoleWithWebIdentity' }
            Check = { param($t) Get-TrustPolicyViolation $t | Select-Rule Actions } }
        @{ Name = 'the aws:SourceArn condition removed'
            Mutate = { param($t) (Get-TrustStatementOf $t)['Condition'].Remove('ArnEquals') }
            Check = { param($t) Get-TrustPolicyViolation $t | Select-Rule SourceArn } }
        @{ Name = "the subject CN condition loosened to '*'"
            Mutate = { param($t) (Get-TrustStatementOf $t)['Condition']['StringEquals']['aws:PrincipalTag/x509Subject/CN'] = '*' }
            Check = { param($t) Get-TrustPolicyViolation $t | Select-Rule Subject } }
        @{ Name = 'the cluster made publicly accessible'
            Mutate = { param($t) $t['Resources']['RedshiftCluster']['Properties']['PubliclyAccessible'] = $true }
            Check = { param($t) Get-ClusterViolation $t | Select-Rule PubliclyAccessible } }
        @{ Name = 'a MasterUserPassword given to the cluster'
            Mutate = { param($t) $t['Resources']['RedshiftCluster']['Properties']['MasterUserPassword'] = 'NotASecret1' }
            Check = { param($t) Get-ClusterViolation $t | Select-Rule MasterUserPassword } }
        @{ Name = 'the workgroup made publicly accessible'
            Mutate = { param($t) $t['Resources']['Workgroup']['Properties']['PubliclyAccessible'] = $true }
            Check = { param($t) Get-ServerlessViolation $t | Select-Rule WorkgroupPublic } }
        @{ Name = 'an internet gateway added'
            Mutate = { param($t) $t['Resources']['Igw'] = @{ Type = 'AWS::EC2::InternetGateway' } }
            Check = { param($t) Get-InternetPathViolation $t } }
        @{ Name = 'ingress opened to 0.0.0.0/0'
            Mutate = { param($t) $t['Resources']['RedshiftSecurityGroup']['Properties']['SecurityGroupIngress'][0]['CidrIp'] = '0.0.0.0/0' }
            Check = { param($t) Get-IngressSourceViolation $t } }
        @{ Name = 'private DNS turned off on the STS endpoint'
            Mutate = { param($t) $t['Resources']['StsEndpoint']['Properties']['PrivateDnsEnabled'] = $false }
            Check = { param($t) Get-InterfaceEndpointViolation $t 'sts' } }
        @{ Name = "the staged objects widened to the whole bucket ('`${StagingBucket.Arn}/*')"
            Mutate = { param($t) (Get-PolicyStatementOf $t 4)['Resource'] = @{ 'Fn::Sub' = '${StagingBucket.Arn}/*' } }
            Check = { param($t) Get-PermissionShapeViolation $t | Select-Rule Resource } }
        @{ Name = 'the prefix condition taken off s3:ListBucket'
            Mutate = { param($t) (Get-PolicyStatementOf $t 5).Remove('Condition') }
            Check = { param($t) Get-ListPrefixViolation $t 'RedshiftAccessRole' } }
        @{ Name = 'the TLS-only bucket policy removed'
            Mutate = { param($t) $t['Resources'].Remove('StagingBucketPolicy') }
            Check = { param($t) Get-StagingBucketViolation $t | Select-Rule TlsOnly } }
        @{ Name = 'public policies allowed on the staging bucket'
            Mutate = { param($t) $t['Resources']['StagingBucket']['Properties']['PublicAccessBlockConfiguration']['BlockPublicPolicy'] = $false }
            Check = { param($t) Get-StagingBucketViolation $t | Select-Rule PublicAccess } }
        @{ Name = 'the expiry of staged objects removed'
            Mutate = { param($t) $t['Resources']['StagingBucket']['Properties'].Remove('LifecycleConfiguration') }
            Check = { param($t) Get-StagingBucketViolation $t | Select-Rule Lifecycle } }
        @{ Name = 'the COPY role trusted by EC2 too'
            Mutate = { param($t) $t['Resources']['CopyRole']['Properties']['AssumeRolePolicyDocument']['Statement'][0]['Principal']['Service'] += 'ec2.amazonaws.com' }
            Check = { param($t) Get-CopyRoleViolation $t | Select-Rule Trust } }
        @{ Name = "the COPY role granted s3:DeleteObject"
            Mutate = { param($t) $t['Resources']['CopyRole']['Properties']['Policies'][0]['PolicyDocument']['Statement'][0]['Action'] += 's3:DeleteObject' }
            Check = { param($t) Get-GrantedActionViolation $t $Contract.CopyPermissions.Action 'CopyRole' } }
        @{ Name = "a DbUser parameter that accepts '*'"
            Mutate = { param($t) $t['Parameters']['DbUser']['AllowedPattern'] = '^.+$' }
            Check = { param($t) Get-PolicyParameterViolation $t } }
    )
}

Describe 'deploy/redshift-iamra.yaml' -ForEach @{ Contract = $contract } {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TemplateRules.ps1')

        $templatePath = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '..' '..' 'deploy' 'redshift-iamra.yaml'))
        $inCI = $env:CI -eq 'true'

        # A missing peer fails in CI and skips (with the reason) elsewhere.
        function Skip-OrFailWithoutPeer([string] $Peer, [string] $Needed) {
            if ($inCI) { throw "$Peer is not available: CI must have it ($Needed)." }
            Set-ItResult -Skipped -Because "$Peer is not available ($Needed); install it to run this test (in CI it fails)"
        }

        $cfnLint = Find-CfnLint
        $lint = $null
        if ($cfnLint) { $lint = Invoke-CfnLint -Path $templatePath -CfnLint $cfnLint }
        function Use-Lint {
            if (-not $cfnLint) { Skip-OrFailWithoutPeer 'cfn-lint (on PATH)' 'it lints the template' }
            return $lint
        }

        $python = Find-TemplatePython
        $template = $null
        if ($python) { $template = ConvertFrom-CfnTemplate -Path $templatePath -Python $python }
        # Where the negative self-checks widen the access role.
        function Get-PolicyStatementOf($t, [int] $Index) {
            $t['Resources']['RedshiftAccessRole']['Properties']['Policies'][0]['PolicyDocument']['Statement'][$Index]
        }
        function Get-TrustStatementOf($t) {
            $t['Resources']['RedshiftAccessRole']['Properties']['AssumeRolePolicyDocument']['Statement'][0]
        }

        function Use-Template {
            if ($null -eq $template) {
                Skip-OrFailWithoutPeer 'python3 with cfn-lint or PyYAML' 'it reads the YAML template for the rule checks'
            }
            return $template
        }
    }

    It 'exists beside the tests at deploy/redshift-iamra.yaml' {
        Test-Path -LiteralPath $templatePath -PathType Leaf | Should -BeTrue
    }

    Context 'cfn-lint' {
        It 'is on PATH (required in CI)' {
            Use-Lint | Out-Null
            $cfnLint | Should -Not -BeNullOrEmpty
        }

        It 'lints the template (exit code has no fatal bit 1)' {
            $l = Use-Lint
            $l.Fatal | Should -BeFalse -Because $l.Output
        }

        It 'reports no error (exit code has no bit 2)' {
            $l = Use-Lint
            $l.Errors | Should -BeFalse -Because $l.Output
        }

        It 'reports no warning (exit code has no bit 4)' {
            $l = Use-Lint
            $l.Warnings | Should -BeFalse -Because "warnings are fixed, or silenced on the resource with a comment saying why: $($l.Output)"
        }

        It 'sets the error bit on a broken copy of the template (the exit-code check can fail)' {
            Use-Lint | Out-Null
            $broken = Join-Path $TestDrive 'broken.yaml'
            # A top-level section that CloudFormation does not know.
            (Get-Content -Raw -LiteralPath $templatePath) + "`nNoSuchSection: {}`n" |
                Set-Content -LiteralPath $broken -NoNewline
            $l = Invoke-CfnLint -Path $broken -CfnLint $cfnLint
            $l.Errors | Should -BeTrue -Because $l.Output
        }
    }

    Context 'reading the template' {
        It 'parses into CloudFormation long form (Resources, Parameters, Outputs)' {
            $t = Use-Template
            $t['Resources'].Count | Should -BeGreaterThan 0
            $t['Parameters'].Count | Should -BeGreaterThan 0
            $t['Outputs'].Count | Should -BeGreaterThan 0
            ConvertTo-CfnText $t['Outputs']['TrustAnchorArn']['Value'] | Should -BeExactly '!GetAtt TrustAnchor.TrustAnchorArn'
        }

        It "reads the same with PyYAML's loader as with cfn-lint's decoder" {
            Use-Template | Out-Null
            $spec = { param($m) & $python -c "import importlib.util as u, sys; sys.exit(0 if u.find_spec('$m') else 1)"; $LASTEXITCODE -eq 0 }
            if (-not ((& $spec 'cfnlint') -and (& $spec 'yaml'))) {
                Set-ItResult -Skipped -Because 'only one of the two decoders is installed; nothing to compare'
            }
            $viaYaml = ConvertFrom-CfnTemplate -Path $templatePath -Python $python -Decoder yaml
            $viaLint = ConvertFrom-CfnTemplate -Path $templatePath -Python $python -Decoder cfnlint
            Test-SameValue $viaYaml $viaLint | Should -BeTrue
        }
    }

    Context 'parameters' {
        It 'has parameter <Name> with default <Default>' -ForEach $Contract.Parameters {
            Get-ParameterViolation (Use-Template) $Name $Default | Should -BeNullOrEmpty
        }

        It 'has parameter OnPremisesCIDR with no default (the deployer names the on-premises range)' {
            Get-ParameterViolation (Use-Template) 'OnPremisesCIDR' -NoDefault | Should -BeNullOrEmpty
        }

        It "refuses OnPremisesCIDR 0.0.0.0/0 and accepts a /24" {
            $pattern = (Use-Template)['Parameters']['OnPremisesCIDR']['AllowedPattern']
            '0.0.0.0/0' | Should -Not -MatchExactly $pattern
            '192.168.10.0/24' | Should -MatchExactly $pattern
        }

        It "has no password parameter (Redshift manages the passwords)" {
            @((Use-Template)['Parameters'].Keys) -match 'password' | Should -BeNullOrEmpty
        }

        It "refuses '*' and '?' in every parameter that feeds a policy ARN" {
            Get-PolicyParameterViolation (Use-Template) | Should -BeNullOrEmpty
        }
    }

    Context 'outputs' {
        It 'has output <Name> with a description, bound to <Value>' -ForEach $Contract.Outputs {
            Get-OutputViolation (Use-Template) $Name $Value | Should -BeNullOrEmpty
        }
    }

    Context 'private CA, client certificate and Roles Anywhere' {
        It 'has a ROOT private CA with its self-signed certificate and an ACTIVE activation' {
            Get-PrivateCaViolation (Use-Template) | Should -BeNullOrEmpty
        }

        It 'has one ACM private client certificate issued by that CA' {
            Get-ClientCertificateViolation (Use-Template) | Should -BeNullOrEmpty
        }

        It 'has an AWS_ACM_PCA trust anchor on that CA and a profile whose only role is the access role' {
            Get-RolesAnywhereViolation (Use-Template) | Should -BeNullOrEmpty
        }
    }

    Context 'the access role trust policy' {
        It 'trusts only the service principal rolesanywhere.amazonaws.com' {
            Get-TrustPolicyViolation (Use-Template) | Select-Rule Principal | Should -BeNullOrEmpty
        }

        It 'allows exactly sts:AssumeRole, sts:TagSession and sts:SetSourceIdentity' {
            Get-TrustPolicyViolation (Use-Template) | Select-Rule Actions | Should -BeNullOrEmpty
        }

        It "requires aws:SourceArn to equal the trust anchor's ARN" {
            Get-TrustPolicyViolation (Use-Template) | Select-Rule SourceArn | Should -BeNullOrEmpty
        }

        It "requires the certificate subject CN (aws:PrincipalTag/x509Subject/CN) to equal the client certificate's" {
            Get-TrustPolicyViolation (Use-Template) | Select-Rule Subject | Should -BeNullOrEmpty
        }

        It 'has no other rule broken in the trust policy' {
            Get-TrustPolicyViolation (Use-Template) | Should -BeNullOrEmpty
        }
    }

    Context 'the access role permissions (least privilege)' {
        It 'keeps every grant in the role inline policy (no managed or separate policies)' {
            Get-PermissionShapeViolation (Use-Template) | Select-Rule Placement | Should -BeNullOrEmpty
        }

        It "has no '*' (or '?') in any Action" {
            Get-PermissionShapeViolation (Use-Template) | Select-Rule Action | Should -BeNullOrEmpty
        }

        It "has no Resource that is '*', ends in '*' or holds a wildcard" {
            Get-PermissionShapeViolation (Use-Template) | Select-Rule Resource | Should -BeNullOrEmpty
        }

        It 'grants exactly the actions the module calls' {
            Get-GrantedActionViolation (Use-Template) $Contract.Permissions.Action | Should -BeNullOrEmpty
        }

        It 'grants <Action> only on <Kind>' -ForEach $Contract.Permissions {
            Get-ActionResourceViolation (Use-Template) $Action $Resources | Should -BeNullOrEmpty
        }
    }

    Context 'staging for loads and exports (least privilege)' {
        It 'lets the access role list the staging bucket only under the staging prefix' {
            Get-ListPrefixViolation (Use-Template) 'RedshiftAccessRole' | Should -BeNullOrEmpty
        }

        It 'keeps the staging bucket encrypted, private, TLS-only and its objects for a day' {
            Get-StagingBucketViolation (Use-Template) | Should -BeNullOrEmpty
        }

        It 'trusts only Redshift of this account with the COPY role, attached to the cluster and the namespace' {
            Get-CopyRoleViolation (Use-Template) | Should -BeNullOrEmpty
        }

        It 'keeps the COPY role to the same shape rules (inline, no wildcard but the staged objects)' {
            Get-PermissionShapeViolation (Use-Template) 'CopyRole' | Should -BeNullOrEmpty
            Get-ListPrefixViolation (Use-Template) 'CopyRole' | Should -BeNullOrEmpty
        }

        It 'grants the COPY role exactly what COPY and UNLOAD need' {
            Get-GrantedActionViolation (Use-Template) $Contract.CopyPermissions.Action 'CopyRole' | Should -BeNullOrEmpty
        }

        It 'grants the COPY role <Action> only on <Kind>' -ForEach $Contract.CopyPermissions {
            Get-ActionResourceViolation (Use-Template) $Action $Resources 'CopyRole' | Should -BeNullOrEmpty
        }
    }

    Context 'the databases' {
        It 'keeps the provisioned cluster off the internet (PubliclyAccessible: false)' {
            Get-ClusterViolation (Use-Template) | Select-Rule PubliclyAccessible | Should -BeNullOrEmpty
        }

        It 'encrypts the provisioned cluster (Encrypted: true)' {
            Get-ClusterViolation (Use-Template) | Select-Rule Encrypted | Should -BeNullOrEmpty
        }

        It 'lets Redshift manage the master password (ManageMasterPassword: true)' {
            Get-ClusterViolation (Use-Template) | Select-Rule ManageMasterPassword | Should -BeNullOrEmpty
        }

        It 'sets no MasterUserPassword on the cluster' {
            Get-ClusterViolation (Use-Template) | Select-Rule MasterUserPassword | Should -BeNullOrEmpty
        }

        It 'puts the cluster in a cluster subnet group' {
            Get-ClusterViolation (Use-Template) | Select-Rule SubnetGroup | Should -BeNullOrEmpty
        }

        It 'keeps the Serverless workgroup off the internet (PubliclyAccessible: false)' {
            Get-ServerlessViolation (Use-Template) | Select-Rule WorkgroupPublic | Should -BeNullOrEmpty
        }

        It "puts the workgroup in the template's private subnets (three AZs) with a security group" {
            Get-ServerlessViolation (Use-Template) | Select-Rule WorkgroupNetwork | Should -BeNullOrEmpty
        }

        It 'lets Redshift manage the Serverless admin password' {
            Get-ServerlessViolation (Use-Template) | Select-Rule Namespace | Should -BeNullOrEmpty
        }
    }

    Context 'the network' {
        It 'creates no internet gateway (nor NAT, egress-only gateway, public IP)' {
            Get-InternetPathViolation (Use-Template) | Should -BeNullOrEmpty
        }

        It 'admits ingress only from OnPremisesCIDR' {
            Get-IngressSourceViolation (Use-Template) | Should -BeNullOrEmpty
        }

        It "opens only tcp 5439 on the databases' security group" {
            $t = Use-Template
            $groups = @(Get-ReferencedGroup $t 'AWS::Redshift::Cluster' 'VpcSecurityGroupIds') +
            @(Get-ReferencedGroup $t 'AWS::RedshiftServerless::Workgroup' 'SecurityGroupIds') | Sort-Object -Unique
            $groups | Should -Not -BeNullOrEmpty
            $groups | ForEach-Object { Get-SecurityGroupPortViolation $t $_ 5439 } | Should -BeNullOrEmpty
        }

        It "opens only tcp 443 on the interface endpoints' security group" {
            $t = Use-Template
            $groups = @(Get-ReferencedGroup $t 'AWS::EC2::VPCEndpoint' 'SecurityGroupIds')
            $groups | Should -Not -BeNullOrEmpty
            $groups | ForEach-Object { Get-SecurityGroupPortViolation $t $_ 443 } | Should -BeNullOrEmpty
        }

        It 'has an interface endpoint for <Service> with private DNS' -ForEach $Contract.Endpoints {
            Get-InterfaceEndpointViolation (Use-Template) $Service | Should -BeNullOrEmpty
        }
    }

    Context 'the checks can fail (negative self-checks on a widened copy)' {
        It 'reports <Name>' -ForEach $selfChecks {
            $t = Use-Template
            # The rule holds on the template ...
            & $Check $t | Should -BeNullOrEmpty
            # ... and the same check reports the widened copy,
            $copy = Copy-CfnTemplate $t
            & $Mutate $copy
            @(& $Check $copy).Count | Should -BeGreaterThan 0
            # which left the parsed template itself untouched.
            & $Check $t | Should -BeNullOrEmpty
        }
    }
}
