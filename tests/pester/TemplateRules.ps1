# Rules that deploy/redshift-iamra.yaml must keep, written as functions so that
# Template.Tests.ps1 can run them on the real template and on widened copies of
# it (to prove that each check is able to fail).
#
# Every Get-*Violation function returns one string per broken rule and nothing
# when the template keeps the rule, so a test reads:
#     Get-XxxViolation $template | Should -BeNullOrEmpty
# and a failure lists what broke. Functions that check several rules start each
# string with a [Tag]; Select-Rule keeps one rule's strings:
#     Get-ClusterViolation $template | Select-Rule Encrypted | Should -BeNullOrEmpty
#
# Dot-sourced by Template.Tests.ps1; it needs no built module.

Set-StrictMode -Version 3.0

# ------------------------------------------------------------------ peers

# A Python interpreter able to read the YAML template (it can import cfn-lint's
# decoder or PyYAML), or $null.
function Find-TemplatePython {
    $probe = 'import importlib.util as u, sys; sys.exit(0 if (u.find_spec("cfnlint") or u.find_spec("yaml")) else 1)'
    foreach ($name in 'python3', 'python') {
        foreach ($cmd in @(Get-Command $name -CommandType Application -ErrorAction SilentlyContinue)) {
            & $cmd.Source -c $probe 2>$null
            if ($LASTEXITCODE -eq 0) { return $cmd.Source }
        }
    }
    return $null
}

# cfn-lint's executable, or $null.
function Find-CfnLint {
    $cmd = Get-Command cfn-lint -CommandType Application -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if ($cmd) { return $cmd.Source }
    return $null
}

# Reads a CloudFormation YAML template with Python and prints it as JSON.
# Prefers cfn-lint's own decoder (the reading cfn-lint lints); falls back to
# PyYAML with a loader that maps the short tags (!Ref, !Sub, !GetAtt, ...) to
# their long forms ({"Ref": ...}, {"Fn::Sub": ...}, {"Fn::GetAtt": [res, attr]}).
# argv: path, decoder (auto | cfnlint | yaml).
function Get-TemplateToJsonPython {
    return @'
import json, sys

path, decoder = sys.argv[1], sys.argv[2]

def with_cfnlint():
    from cfnlint.decode import decode
    template, matches = decode(path)
    if matches:
        for m in matches:
            sys.stderr.write(str(m) + "\n")
        sys.exit(3)
    return template

def with_yaml():
    import yaml

    class CfnLoader(yaml.SafeLoader):
        pass

    def short_tag(loader, suffix, node):
        key = suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if suffix == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    CfnLoader.add_multi_constructor("!", short_tag)
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=CfnLoader)

if decoder == "cfnlint":
    template = with_cfnlint()
elif decoder == "yaml":
    template = with_yaml()
else:
    try:
        import cfnlint.decode  # noqa: F401
        template = with_cfnlint()
    except ImportError:
        template = with_yaml()

sys.stdout.write(json.dumps(template, ensure_ascii=True, default=str))
'@
}

# The template as nested hashtables / arrays (CloudFormation's long form).
function ConvertFrom-CfnTemplate {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [ValidateSet('auto', 'cfnlint', 'yaml')] [string] $Decoder = 'auto',
        [string] $Python = (Find-TemplatePython)
    )
    if (-not $Python) { throw 'No python3 on PATH: it is needed to read the YAML template.' }
    $stderr = [System.IO.Path]::GetTempFileName()
    try {
        $json = Get-TemplateToJsonPython | & $Python - $Path $Decoder 2> $stderr
        $code = $LASTEXITCODE
        if ($code -ne 0) {
            throw "Reading $Path with $Python ($Decoder) failed (exit $code): $(Get-Content -Raw $stderr)"
        }
    }
    finally {
        Remove-Item -LiteralPath $stderr -ErrorAction SilentlyContinue
    }
    return ConvertFrom-TemplateJson ($json -join "`n")
}

function ConvertFrom-TemplateJson([string] $Json) {
    $convert = @{ AsHashtable = $true; Depth = 100 }
    # Keep '2012-10-17' and friends as text.
    if ((Get-Command ConvertFrom-Json).Parameters.ContainsKey('DateKind')) { $convert.DateKind = 'String' }
    return $Json | ConvertFrom-Json @convert
}

# A deep copy that a negative self-check can widen without touching the original.
function Copy-CfnTemplate($Template) {
    return ConvertFrom-TemplateJson ($Template | ConvertTo-Json -Depth 100 -Compress)
}

# Runs cfn-lint; ExitCode holds its bit flags (2 error, 4 warning, 8 informational;
# 1 means it could not lint at all).
function Invoke-CfnLint {
    param([Parameter(Mandatory)] [string] $Path, [string] $CfnLint = (Find-CfnLint))
    if (-not $CfnLint) { throw 'cfn-lint is not on PATH.' }
    $output = & $CfnLint -- $Path 2>&1 | ForEach-Object { "$_" }
    $code = $LASTEXITCODE
    [pscustomobject]@{
        ExitCode = $code
        Output   = ($output -join [Environment]::NewLine)
        Fatal    = [bool]($code -band 1)
        Errors   = [bool]($code -band 2)
        Warnings = [bool]($code -band 4)
        Info     = [bool]($code -band 8)
    }
}

# ------------------------------------------------------------- primitives

# Keeps the violations tagged [Rule].
function Select-Rule {
    param([Parameter(Mandatory, Position = 0)] [string] $Rule, [Parameter(ValueFromPipeline)] [string] $Violation)
    process { if ($Violation -and $Violation.StartsWith("[$Rule] ", [StringComparison]::Ordinal)) { $Violation } }
}

function Test-IsMap($Value) { return $Value -is [System.Collections.IDictionary] }

# A property of a hashtable, $null when absent (strict-mode safe).
function Get-Prop($Map, [string] $Name) {
    if ((Test-IsMap $Map) -and $Map.Contains($Name)) { return $Map[$Name] }
    return $null
}

function Test-HasProp($Map, [string] $Name) { return (Test-IsMap $Map) -and $Map.Contains($Name) }

# The value as a list (a lone string or map becomes a list of one).
function Get-List($Value) {
    if ($null -eq $Value) { return @() }
    if ($Value -is [string] -or (Test-IsMap $Value)) { return @(, $Value) }
    return @($Value)
}

# A short, comparable text for a CloudFormation value:
#   'arn:...'                        plain string
#   'arn:${AWS::Partition}:...'      Fn::Sub with a lone string
#   '!Ref Name'                      Ref
#   '!GetAtt Resource.Attr.Path'     Fn::GetAtt
#   'json:{...}'                     anything else
function ConvertTo-CfnText($Value) {
    if ($Value -is [string]) { return $Value }
    if ((Test-IsMap $Value) -and $Value.Count -eq 1) {
        $key = @($Value.Keys)[0]
        $inner = $Value[$key]
        switch ($key) {
            'Fn::Sub' { if ($inner -is [string]) { return $inner } }
            'Ref' { if ($inner -is [string]) { return "!Ref $inner" } }
            'Fn::GetAtt' {
                if ($inner -is [string]) { return "!GetAtt $inner" }
                return '!GetAtt ' + (@($inner) -join '.')
            }
        }
    }
    return 'json:' + ($Value | ConvertTo-Json -Depth 50 -Compress)
}

# The resource a Ref / GetAtt points at, or $null.
function Get-CfnTargetName($Value) {
    if (-not (Test-IsMap $Value) -or $Value.Count -ne 1) { return $null }
    if ($Value.Contains('Ref')) { return [string]$Value['Ref'] }
    if ($Value.Contains('Fn::GetAtt')) {
        $inner = $Value['Fn::GetAtt']
        if ($inner -is [string]) { return $inner.Split('.')[0] }
        return [string](@($inner)[0])
    }
    return $null
}

function Get-CfnResource($Template, [string] $Type) {
    $resources = Get-Prop $Template 'Resources'
    if (-not (Test-IsMap $resources)) { return }
    foreach ($name in @($resources.Keys)) {
        $r = $resources[$name]
        if ($null -eq $Type -or $Type -eq '' -or (Get-Prop $r 'Type') -ceq $Type) {
            [pscustomobject]@{ Name = $name; Resource = $r; Properties = (Get-Prop $r 'Properties') }
        }
    }
}

function Get-CfnResourceType($Template, [string] $Name) {
    return Get-Prop (Get-Prop (Get-Prop $Template 'Resources') $Name) 'Type'
}

function Test-SameValue($A, $B) {
    return ($A | ConvertTo-Json -Depth 50 -Compress) -ceq ($B | ConvertTo-Json -Depth 50 -Compress)
}

function Test-IsTrue($Value) { return $Value -is [bool] -and $Value }
function Test-IsFalse($Value) { return $Value -is [bool] -and -not $Value }

# ------------------------------------------------------------- parameters

function Get-ParameterViolation($Template, [string] $Name, $ExpectedDefault, [switch] $NoDefault) {
    $p = Get-Prop (Get-Prop $Template 'Parameters') $Name
    if ($null -eq $p) { return "parameter $Name is missing" }
    if (-not (Get-Prop $p 'Description')) { "parameter $Name has no Description" }
    if ($NoDefault) {
        if (Test-HasProp $p 'Default') { "parameter $Name must have no Default (the deployer must choose it), has '$($p['Default'])'" }
        return
    }
    if (-not (Test-HasProp $p 'Default')) { return "parameter $Name has no Default (expected '$ExpectedDefault')" }
    if ([string]$p['Default'] -cne [string]$ExpectedDefault) {
        "parameter $Name defaults to '$($p['Default'])', expected '$ExpectedDefault'"
    }
}

# Parameters substituted into IAM policy ARNs: a deployer who could pass '*'
# (or '?') would widen the grant, so each needs an AllowedPattern that refuses
# wildcards and accepts its own default.
function Get-PolicyParameterViolation($Template, [string] $RoleName = 'RedshiftAccessRole') {
    $parameters = Get-Prop $Template 'Parameters'
    $names = [System.Collections.Generic.SortedSet[string]]::new()
    foreach ($s in Get-RolePolicyStatement $Template $RoleName) {
        foreach ($r in Get-List (Get-Prop $s 'Resource')) {
            $text = ConvertTo-CfnText $r
            foreach ($m in [regex]::Matches($text, '\$\{([^}!.:]+)\}')) {
                if (Test-HasProp $parameters $m.Groups[1].Value) { [void]$names.Add($m.Groups[1].Value) }
            }
        }
    }
    if ($names.Count -eq 0) { return 'no parameter found in the policy ARNs (did the policy change shape?)' }
    foreach ($name in $names) {
        $p = $parameters[$name]
        $pattern = Get-Prop $p 'AllowedPattern'
        if (Test-HasProp $p 'AllowedValues') {
            foreach ($v in @($p['AllowedValues'])) { if ("$v" -match '[*?]') { "parameter $name allows the wildcard value '$v'" } }
            continue
        }
        if (-not $pattern) { "parameter $name is used in a policy ARN but has no AllowedPattern"; continue }
        foreach ($bad in '*', '?', 'a*', 'user*', 'a?b') {
            if ($bad -cmatch $pattern) { "parameter $name accepts '$bad' (AllowedPattern $pattern)" }
        }
        if ((Test-HasProp $p 'Default') -and -not ([string]$p['Default'] -cmatch $pattern)) {
            "parameter ${name}'s default '$($p['Default'])' does not match its AllowedPattern"
        }
    }
}

# ---------------------------------------------------------------- outputs

function Get-OutputViolation($Template, [string] $Name, [string] $ExpectedValue) {
    $o = Get-Prop (Get-Prop $Template 'Outputs') $Name
    if ($null -eq $o) { return "output $Name is missing" }
    if (-not (Get-Prop $o 'Description')) { "output $Name has no Description" }
    if ($ExpectedValue) {
        $actual = ConvertTo-CfnText (Get-Prop $o 'Value')
        if ($actual -cne $ExpectedValue) { "output $Name is '$actual', expected '$ExpectedValue'" }
    }
}

# ------------------------------------------------------------ certificates

# The client certificate: the ACM certificate issued by the template's private CA.
function Get-ClientCertificate($Template) {
    return @(Get-CfnResource $Template 'AWS::CertificateManager::Certificate' |
            Where-Object { Test-HasProp $_.Properties 'CertificateAuthorityArn' })
}

function Get-PrivateCaViolation($Template) {
    $cas = @(Get-CfnResource $Template 'AWS::ACMPCA::CertificateAuthority')
    if ($cas.Count -ne 1) { return "expected one AWS::ACMPCA::CertificateAuthority, found $($cas.Count)" }
    $ca = $cas[0]
    if ((Get-Prop $ca.Properties 'Type') -cne 'ROOT') { "the private CA is of type '$(Get-Prop $ca.Properties 'Type')', expected ROOT" }

    $rootCerts = @(Get-CfnResource $Template 'AWS::ACMPCA::Certificate' | Where-Object {
            (Get-CfnTargetName (Get-Prop $_.Properties 'CertificateAuthorityArn')) -ceq $ca.Name -and
            (Get-CfnTargetName (Get-Prop $_.Properties 'CertificateSigningRequest')) -ceq $ca.Name
        })
    if ($rootCerts.Count -ne 1) { "expected one self-signed AWS::ACMPCA::Certificate for $($ca.Name) (its own CSR, signed by itself), found $($rootCerts.Count)" }
    else {
        $templateArn = ConvertTo-CfnText (Get-Prop $rootCerts[0].Properties 'TemplateArn')
        if ($templateArn -notmatch 'template/RootCACertificate/') { "the CA certificate's TemplateArn is '$templateArn', expected a RootCACertificate template" }
    }

    $activations = @(Get-CfnResource $Template 'AWS::ACMPCA::CertificateAuthorityActivation' | Where-Object {
            (Get-CfnTargetName (Get-Prop $_.Properties 'CertificateAuthorityArn')) -ceq $ca.Name
        })
    if ($activations.Count -ne 1) { "expected one AWS::ACMPCA::CertificateAuthorityActivation for $($ca.Name), found $($activations.Count)" }
    else {
        $a = $activations[0].Properties
        if ((Get-Prop $a 'Status') -cne 'ACTIVE') { "the CA activation's Status is '$(Get-Prop $a 'Status')', expected ACTIVE" }
        if ($rootCerts.Count -eq 1 -and (Get-CfnTargetName (Get-Prop $a 'Certificate')) -cne $rootCerts[0].Name) {
            "the CA activation does not install $($rootCerts[0].Name)'s certificate"
        }
    }
}

function Get-ClientCertificateViolation($Template) {
    $certs = @(Get-ClientCertificate $Template)
    if ($certs.Count -ne 1) { return "expected one ACM private certificate (with CertificateAuthorityArn), found $($certs.Count)" }
    $caName = Get-CfnTargetName (Get-Prop $certs[0].Properties 'CertificateAuthorityArn')
    if ((Get-CfnResourceType $Template $caName) -cne 'AWS::ACMPCA::CertificateAuthority') {
        "the client certificate is not issued by the template's AWS::ACMPCA::CertificateAuthority"
    }
    if ($null -eq (Get-Prop $certs[0].Properties 'DomainName')) { 'the client certificate has no DomainName (its subject CN)' }
    if (Test-HasProp $certs[0].Properties 'ValidationMethod') { 'the client certificate has a ValidationMethod: a private certificate is not validated by DNS or email' }
}

# ------------------------------------------------------- IAM Roles Anywhere

function Get-RolesAnywhereViolation($Template, [string] $RoleName = 'RedshiftAccessRole') {
    $anchors = @(Get-CfnResource $Template 'AWS::RolesAnywhere::TrustAnchor')
    if ($anchors.Count -ne 1) { return "expected one AWS::RolesAnywhere::TrustAnchor, found $($anchors.Count)" }
    $source = Get-Prop $anchors[0].Properties 'Source'
    if ((Get-Prop $source 'SourceType') -cne 'AWS_ACM_PCA') { "the trust anchor's SourceType is '$(Get-Prop $source 'SourceType')', expected AWS_ACM_PCA" }
    $caName = Get-CfnTargetName (Get-Prop (Get-Prop $source 'SourceData') 'AcmPcaArn')
    if ((Get-CfnResourceType $Template $caName) -cne 'AWS::ACMPCA::CertificateAuthority') {
        "the trust anchor's AcmPcaArn does not point at the template's private CA"
    }

    $profiles = @(Get-CfnResource $Template 'AWS::RolesAnywhere::Profile')
    if ($profiles.Count -ne 1) { return "expected one AWS::RolesAnywhere::Profile, found $($profiles.Count)" }
    $roles = @(Get-List (Get-Prop $profiles[0].Properties 'RoleArns'))
    if ($roles.Count -ne 1 -or (ConvertTo-CfnText $roles[0]) -cne "!GetAtt $RoleName.Arn") {
        "the profile's RoleArns are [$(($roles | ForEach-Object { ConvertTo-CfnText $_ }) -join ', ')], expected only !GetAtt $RoleName.Arn"
    }
    if (Test-HasProp $profiles[0].Properties 'ManagedPolicyArns') { 'the profile attaches ManagedPolicyArns' }
}

function Get-RoleResource($Template, [string] $RoleName) {
    $r = Get-Prop (Get-Prop $Template 'Resources') $RoleName
    if ((Get-Prop $r 'Type') -cne 'AWS::IAM::Role') { return $null }
    return $r
}

# The trust policy: only rolesanywhere.amazonaws.com, exactly the three STS
# actions, and conditions on this trust anchor and on the client certificate's
# subject CN.
function Get-TrustPolicyViolation($Template, [string] $RoleName = 'RedshiftAccessRole') {
    $role = Get-RoleResource $Template $RoleName
    if ($null -eq $role) { return "role $RoleName (AWS::IAM::Role) is missing" }
    $doc = Get-Prop $role['Properties'] 'AssumeRolePolicyDocument'
    $statements = @(Get-List (Get-Prop $doc 'Statement'))
    if ($statements.Count -eq 0) { return '[Principal] the trust policy has no statement' }
    $expectedActions = @('sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession')
    $certs = @(Get-ClientCertificate $Template)
    $allows = 0
    foreach ($s in $statements) {
        $sid = Get-Prop $s 'Sid'
        foreach ($neg in 'NotPrincipal', 'NotAction', 'NotResource') {
            if (Test-HasProp $s $neg) { "[$(if ($neg -eq 'NotPrincipal') { 'Principal' } else { 'Actions' })] trust statement '$sid' uses $neg" }
        }
        if ((Get-Prop $s 'Effect') -cne 'Allow') { continue }   # a Deny only narrows
        $allows++

        $principal = Get-Prop $s 'Principal'
        if (-not (Test-IsMap $principal) -or @($principal.Keys).Count -ne 1 -or -not $principal.Contains('Service')) {
            "[Principal] trust statement '$sid' has principal $($principal | ConvertTo-Json -Compress -Depth 10), expected only the service rolesanywhere.amazonaws.com"
        }
        else {
            $services = @(Get-List $principal['Service'])
            if ($services.Count -ne 1 -or $services[0] -cne 'rolesanywhere.amazonaws.com') {
                "[Principal] trust statement '$sid' trusts the services [$($services -join ', ')], expected only rolesanywhere.amazonaws.com"
            }
        }

        $actions = @(Get-List (Get-Prop $s 'Action') | ForEach-Object { "$_" } | Sort-Object -Unique)
        if (($actions -join ',') -ne ($expectedActions -join ',')) {
            "[Actions] trust statement '$sid' allows [$($actions -join ', ')], expected exactly [$($expectedActions -join ', ')]"
        }

        $condition = Get-Prop $s 'Condition'
        # aws:SourceArn: exact match (ArnEquals or StringEquals, no *Like, no
        # IfExists) on the ARN of the template's trust anchor.
        $sourceArn = $null
        foreach ($op in 'ArnEquals', 'StringEquals') {
            $v = Get-Prop (Get-Prop $condition $op) 'aws:SourceArn'
            if ($null -ne $v) { $sourceArn = $v }
        }
        if ($null -eq $sourceArn) { "[SourceArn] trust statement '$sid' has no exact aws:SourceArn condition (ArnEquals)" }
        else {
            $values = @(Get-List $sourceArn)
            $target = if ($values.Count -eq 1) { Get-CfnTargetName $values[0] } else { $null }
            if ($values.Count -ne 1 -or (Get-CfnResourceType $Template $target) -cne 'AWS::RolesAnywhere::TrustAnchor' -or
                (ConvertTo-CfnText $values[0]) -cne "!GetAtt $target.TrustAnchorArn") {
                "[SourceArn] trust statement '$sid' conditions aws:SourceArn on [$(($values | ForEach-Object { ConvertTo-CfnText $_ }) -join ', ')], expected only the trust anchor's TrustAnchorArn"
            }
        }
        # The certificate subject: StringEquals on the CN the client certificate carries.
        $cn = Get-Prop (Get-Prop $condition 'StringEquals') 'aws:PrincipalTag/x509Subject/CN'
        if ($null -eq $cn) { "[Subject] trust statement '$sid' has no StringEquals condition on aws:PrincipalTag/x509Subject/CN" }
        else {
            $values = @(Get-List $cn)
            if ($certs.Count -ne 1) { "[Subject] cannot tell the client certificate's CN: $($certs.Count) ACM private certificates" }
            elseif ($values.Count -ne 1 -or -not (Test-SameValue $values[0] (Get-Prop $certs[0].Properties 'DomainName'))) {
                "[Subject] trust statement '$sid' accepts subject CN [$(($values | ForEach-Object { ConvertTo-CfnText $_ }) -join ', ')], expected only the client certificate's DomainName ($(ConvertTo-CfnText (Get-Prop $certs[0].Properties 'DomainName')))"
            }
        }
        foreach ($op in @(if (Test-IsMap $condition) { $condition.Keys })) {
            foreach ($key in @(Get-Prop $condition $op).Keys) {
                if ($op -match 'Like$|IfExists$|^Null$|^ForAnyValue' -and $key -in 'aws:SourceArn', 'aws:PrincipalTag/x509Subject/CN') {
                    "[$(if ($key -eq 'aws:SourceArn') { 'SourceArn' } else { 'Subject' })] trust statement '$sid' also tests $key with $op, which can loosen the match"
                }
            }
        }
    }
    if ($allows -eq 0) { '[Principal] the trust policy allows nothing' }
}

# Every statement of the role's inline policies.
function Get-RolePolicyStatement($Template, [string] $RoleName = 'RedshiftAccessRole') {
    $role = Get-RoleResource $Template $RoleName
    if ($null -eq $role) { return }
    foreach ($policy in Get-List (Get-Prop $role['Properties'] 'Policies')) {
        foreach ($s in Get-List (Get-Prop (Get-Prop $policy 'PolicyDocument') 'Statement')) { $s }
    }
}

# The staged objects: every object under the staging prefix of the staging bucket.
$StagedObjectsResource = '${StagingBucket.Arn}/${StagingPrefix}*'

# s3:ListBucket only with a condition that keeps the listing under the staging prefix.
function Get-ListPrefixViolation($Template, [string] $RoleName) {
    foreach ($s in Get-RolePolicyStatement $Template $RoleName) {
        if ((Get-Prop $s 'Effect') -cne 'Allow') { continue }
        if (@(Get-List (Get-Prop $s 'Action')) -notcontains 's3:ListBucket') { continue }
        $prefix = ConvertTo-CfnText (Get-Prop (Get-Prop (Get-Prop $s 'Condition') 'StringLike') 's3:prefix')
        if ($prefix -cne '${StagingPrefix}*') { "[ListPrefix] $RoleName may list the staging bucket without the condition s3:prefix = '`${StagingPrefix}*' (has '$prefix')" }
    }
}

# The staging bucket: encrypted, public access blocked, objects expire after a day, TLS only.
function Get-StagingBucketViolation($Template) {
    $bucket = @(Get-CfnResource $Template 'AWS::S3::Bucket')
    if ($bucket.Count -ne 1) { return "[Bucket] expected one S3 bucket, found $($bucket.Count)" }
    $p = $bucket[0].Properties
    $sse = @(Get-List (Get-Prop (Get-Prop $p 'BucketEncryption') 'ServerSideEncryptionConfiguration'))
    $algorithm = Get-Prop (Get-Prop $sse[0] 'ServerSideEncryptionByDefault') 'SSEAlgorithm'
    if ($algorithm -notin 'AES256', 'aws:kms') { "[Encryption] the staging bucket has no default encryption" }
    $block = Get-Prop $p 'PublicAccessBlockConfiguration'
    foreach ($k in 'BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets') {
        if (-not (Test-IsTrue (Get-Prop $block $k))) { "[PublicAccess] the staging bucket's $k is not true" }
    }
    $expiring = @(Get-List (Get-Prop (Get-Prop $p 'LifecycleConfiguration') 'Rules') | Where-Object {
            (Get-Prop $_ 'Status') -ceq 'Enabled' -and [int](Get-Prop $_ 'ExpirationInDays') -eq 1 -and
            ((ConvertTo-CfnText (Get-Prop $_ 'Prefix')) -ceq '!Ref StagingPrefix')
        })
    if ($expiring.Count -eq 0) { "[Lifecycle] no enabled rule expires the staged objects (prefix StagingPrefix) after one day" }
    $policies = @(Get-CfnResource $Template 'AWS::S3::BucketPolicy' | Where-Object { (Get-CfnTargetName (Get-Prop $_.Properties 'Bucket')) -ceq $bucket[0].Name })
    $tlsOnly = @($policies | ForEach-Object { Get-List (Get-Prop (Get-Prop $_.Properties 'PolicyDocument') 'Statement') } | Where-Object {
            (Get-Prop $_ 'Effect') -ceq 'Deny' -and (Get-Prop $_ 'Principal') -ceq '*' -and
            (Get-Prop (Get-Prop (Get-Prop $_ 'Condition') 'Bool') 'aws:SecureTransport') -eq $false -and
            @(Get-List (Get-Prop $_ 'Resource')).Count -eq 2
        })
    if ($tlsOnly.Count -eq 0) { "[TlsOnly] no bucket policy denies requests without TLS (aws:SecureTransport false) on the bucket and its objects" }
}

# The COPY role: trusted by Redshift (provisioned and Serverless) of this account only, and
# attached to the cluster and the namespace.
function Get-CopyRoleViolation($Template) {
    $role = Get-RoleResource $Template 'CopyRole'
    if ($null -eq $role) { return '[Trust] role CopyRole is missing' }
    $statements = @(Get-List (Get-Prop (Get-Prop $role['Properties'] 'AssumeRolePolicyDocument') 'Statement'))
    foreach ($s in $statements) {
        $services = @(Get-List (Get-Prop (Get-Prop $s 'Principal') 'Service'))
        foreach ($service in $services) {
            if ($service -cnotin 'redshift.amazonaws.com', 'redshift-serverless.amazonaws.com') { "[Trust] CopyRole trusts $service" }
        }
        if (@(Get-List (Get-Prop $s 'Action')) -join ',' -cne 'sts:AssumeRole') { "[Trust] CopyRole's trust allows $(@(Get-List (Get-Prop $s 'Action')) -join ', ')" }
        if ((ConvertTo-CfnText (Get-Prop (Get-Prop (Get-Prop $s 'Condition') 'StringEquals') 'aws:SourceAccount')) -cne '!Ref AWS::AccountId') { "[Trust] CopyRole's trust has no aws:SourceAccount condition" }
    }
    foreach ($holder in @(@{ Name = 'RedshiftCluster' }, @{ Name = 'Namespace' })) {
        $roles = @(Get-List (Get-Prop (Get-Prop (Get-Prop (Get-Prop $Template 'Resources') $holder.Name) 'Properties') 'IamRoles') | ForEach-Object { ConvertTo-CfnText $_ })
        if ($roles -cnotcontains '!GetAtt CopyRole.Arn') { "[Attached] $($holder.Name) does not have CopyRole in IamRoles" }
    }
}

# Shape rules for the permissions: the role's grants live only in its inline
# policy; no NotAction/NotResource; no wildcard in any Action; no Resource that
# is '*', ends in '*' or holds a wildcard at all.
function Get-PermissionShapeViolation($Template, [string] $RoleName = 'RedshiftAccessRole') {
    $role = Get-RoleResource $Template $RoleName
    if ($null -eq $role) { return "role $RoleName (AWS::IAM::Role) is missing" }
    foreach ($p in 'ManagedPolicyArns') {
        if (Test-HasProp $role['Properties'] $p) { "[Placement] role $RoleName has ${p}: its grants must all be in its reviewed inline policy" }
    }
    foreach ($type in 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy') {
        foreach ($r in Get-CfnResource $Template $type) { "[Placement] the template adds $type $($r.Name): grants must stay in $RoleName's inline policy" }
    }
    $statements = @(Get-RolePolicyStatement $Template $RoleName)
    if ($statements.Count -eq 0) { return "[Placement] role $RoleName has no inline policy statement" }
    foreach ($s in $statements) {
        $sid = Get-Prop $s 'Sid'
        foreach ($neg in 'NotAction', 'NotResource', 'NotPrincipal') {
            if (Test-HasProp $s $neg) { "[$(if ($neg -eq 'NotResource') { 'Resource' } else { 'Action' })] statement '$sid' uses $neg" }
        }
        if ((Get-Prop $s 'Effect') -cne 'Allow') { continue }
        $actions = @(Get-List (Get-Prop $s 'Action'))
        if ($actions.Count -eq 0) { "[Action] statement '$sid' has no Action" }
        foreach ($a in $actions) {
            if ($a -isnot [string]) { "[Action] statement '$sid' has a computed Action $(ConvertTo-CfnText $a)" }
            elseif ($a -match '[*?]') { "[Action] statement '$sid' has the wildcard Action '$a'" }
        }
        $resources = @(Get-List (Get-Prop $s 'Resource'))
        if ($resources.Count -eq 0) { "[Resource] statement '$sid' has no Resource" }
        foreach ($r in $resources) {
            $text = ConvertTo-CfnText $r
            # The one wildcard allowed: the staged objects under the staging prefix (their names
            # are made per load), written exactly so.
            if ($text -ceq $StagedObjectsResource) { continue }
            if ($text -ceq '*') { "[Resource] statement '$sid' has Resource '*'" }
            elseif ($text.EndsWith('*')) { "[Resource] statement '$sid' has a Resource ending in '*': $text" }
            elseif (($r | ConvertTo-Json -Depth 50 -Compress) -match '[*?]') { "[Resource] statement '$sid' has a wildcard in Resource $text" }
        }
    }
}

# action (lower case) -> sorted resource texts that an Allow statement grants it on.
function Get-PermissionMap($Template, [string] $RoleName = 'RedshiftAccessRole') {
    $map = [ordered]@{}
    foreach ($s in Get-RolePolicyStatement $Template $RoleName) {
        if ((Get-Prop $s 'Effect') -cne 'Allow') { continue }
        foreach ($a in Get-List (Get-Prop $s 'Action')) {
            $key = "$a".ToLowerInvariant()
            if (-not $map.Contains($key)) { $map[$key] = [System.Collections.Generic.SortedSet[string]]::new([System.StringComparer]::Ordinal) }
            foreach ($r in Get-List (Get-Prop $s 'Resource')) { [void]$map[$key].Add((ConvertTo-CfnText $r)) }
        }
    }
    return $map
}

# The set of granted actions must be exactly the expected ones (IAM action names
# are case-insensitive, so they are compared in lower case).
function Get-GrantedActionViolation($Template, [string[]] $ExpectedActions, [string] $RoleName = 'RedshiftAccessRole') {
    $granted = @((Get-PermissionMap $Template $RoleName).Keys)
    $expected = @($ExpectedActions | ForEach-Object { $_.ToLowerInvariant() })
    foreach ($a in $granted) { if ($a -notin $expected) { "the role is granted the unexpected action $a" } }
    foreach ($a in $expected) { if ($a -notin $granted) { "the role is not granted $a" } }
}

# One action's resources must be exactly the expected ones.
function Get-ActionResourceViolation($Template, [string] $Action, [string[]] $ExpectedResources, [string] $RoleName = 'RedshiftAccessRole') {
    $map = Get-PermissionMap $Template $RoleName
    $key = $Action.ToLowerInvariant()
    if (-not $map.Contains($key)) { return "the role is not granted $Action" }
    $actual = @($map[$key])
    $expected = @($ExpectedResources | Sort-Object -Unique -CaseSensitive)
    foreach ($r in $actual) { if ($expected -cnotcontains $r) { "$Action is granted on the unexpected resource $r" } }
    foreach ($r in $expected) { if ($actual -cnotcontains $r) { "$Action is not granted on $r" } }
}

# ------------------------------------------------------------- databases

function Get-ClusterViolation($Template) {
    $clusters = @(Get-CfnResource $Template 'AWS::Redshift::Cluster')
    if ($clusters.Count -eq 0) { return '[Cluster] no AWS::Redshift::Cluster' }
    foreach ($c in $clusters) {
        $p = $c.Properties
        if (-not (Test-IsFalse (Get-Prop $p 'PubliclyAccessible'))) { "[PubliclyAccessible] cluster $($c.Name): PubliclyAccessible must be false, is '$(Get-Prop $p 'PubliclyAccessible')'" }
        if (-not (Test-IsTrue (Get-Prop $p 'Encrypted'))) { "[Encrypted] cluster $($c.Name): Encrypted must be true, is '$(Get-Prop $p 'Encrypted')'" }
        if (-not (Test-IsTrue (Get-Prop $p 'ManageMasterPassword'))) { "[ManageMasterPassword] cluster $($c.Name): ManageMasterPassword must be true, is '$(Get-Prop $p 'ManageMasterPassword')'" }
        if (Test-HasProp $p 'MasterUserPassword') { "[MasterUserPassword] cluster $($c.Name) sets MasterUserPassword: the password must be managed by Redshift" }
        if (-not (Get-Prop $p 'ClusterSubnetGroupName')) { "[SubnetGroup] cluster $($c.Name) has no ClusterSubnetGroupName" }
    }
}

function Get-ServerlessViolation($Template) {
    $workgroups = @(Get-CfnResource $Template 'AWS::RedshiftServerless::Workgroup')
    if ($workgroups.Count -eq 0) { '[Workgroup] no AWS::RedshiftServerless::Workgroup' }
    foreach ($w in $workgroups) {
        $p = $w.Properties
        if (-not (Test-IsFalse (Get-Prop $p 'PubliclyAccessible'))) { "[WorkgroupPublic] workgroup $($w.Name): PubliclyAccessible must be false, is '$(Get-Prop $p 'PubliclyAccessible')'" }
        foreach ($subnet in Get-List (Get-Prop $p 'SubnetIds')) {
            if ((Get-CfnResourceType $Template (Get-CfnTargetName $subnet)) -cne 'AWS::EC2::Subnet') { "[WorkgroupNetwork] workgroup $($w.Name) uses a subnet not made by the template: $(ConvertTo-CfnText $subnet)" }
        }
        if (@(Get-List (Get-Prop $p 'SubnetIds')).Count -lt 3) { "[WorkgroupNetwork] workgroup $($w.Name) has fewer than three subnets (Redshift Serverless needs three Availability Zones)" }
        if (@(Get-List (Get-Prop $p 'SecurityGroupIds')).Count -eq 0) { "[WorkgroupNetwork] workgroup $($w.Name) has no SecurityGroupIds" }
    }
    $namespaces = @(Get-CfnResource $Template 'AWS::RedshiftServerless::Namespace')
    if ($namespaces.Count -eq 0) { '[Namespace] no AWS::RedshiftServerless::Namespace' }
    foreach ($n in $namespaces) {
        if (-not (Test-IsTrue (Get-Prop $n.Properties 'ManageAdminPassword'))) { "[Namespace] namespace $($n.Name): ManageAdminPassword must be true" }
        if (Test-HasProp $n.Properties 'AdminUserPassword') { "[Namespace] namespace $($n.Name) sets AdminUserPassword: the password must be managed by Redshift" }
    }
}

# --------------------------------------------------------------- network

# No route to or from the internet: no internet gateway (nor the other ways out).
function Get-InternetPathViolation($Template) {
    foreach ($type in 'AWS::EC2::InternetGateway', 'AWS::EC2::VPCGatewayAttachment', 'AWS::EC2::EgressOnlyInternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP') {
        foreach ($r in Get-CfnResource $Template $type) { "the template creates $type $($r.Name)" }
    }
    foreach ($s in Get-CfnResource $Template 'AWS::EC2::Subnet') {
        if (Test-IsTrue (Get-Prop $s.Properties 'MapPublicIpOnLaunch')) { "subnet $($s.Name) maps public IPs" }
    }
}

# Every ingress rule (inline or AWS::EC2::SecurityGroupIngress) admits only the
# OnPremisesCIDR parameter: no other CIDR, no IPv6, no prefix list, no group.
function Get-IngressSourceViolation($Template, [string] $Parameter = 'OnPremisesCIDR') {
    $rules = @(
        foreach ($sg in Get-CfnResource $Template 'AWS::EC2::SecurityGroup') {
            foreach ($rule in Get-List (Get-Prop $sg.Properties 'SecurityGroupIngress')) { [pscustomobject]@{ Owner = $sg.Name; Rule = $rule } }
        }
        foreach ($ing in Get-CfnResource $Template 'AWS::EC2::SecurityGroupIngress') { [pscustomobject]@{ Owner = $ing.Name; Rule = $ing.Properties } }
    )
    if ($rules.Count -eq 0) { return 'no ingress rule at all (the databases would be unreachable)' }
    foreach ($x in $rules) {
        foreach ($other in 'CidrIpv6', 'SourcePrefixListId', 'SourceSecurityGroupId', 'SourceSecurityGroupName', 'SourceSecurityGroupOwnerId') {
            if (Test-HasProp $x.Rule $other) { "$($x.Owner): an ingress rule uses $other" }
        }
        $cidr = Get-Prop $x.Rule 'CidrIp'
        if ((ConvertTo-CfnText $cidr) -cne "!Ref $Parameter") { "$($x.Owner): an ingress rule admits $(ConvertTo-CfnText $cidr), expected !Ref $Parameter" }
    }
}

# A security group opens exactly one TCP port.
function Get-SecurityGroupPortViolation($Template, [string] $GroupName, [int] $Port) {
    $sg = Get-Prop (Get-Prop $Template 'Resources') $GroupName
    if ((Get-Prop $sg 'Type') -cne 'AWS::EC2::SecurityGroup') { return "security group $GroupName is missing" }
    $rules = @(Get-List (Get-Prop $sg['Properties'] 'SecurityGroupIngress'))
    $rules += @(Get-CfnResource $Template 'AWS::EC2::SecurityGroupIngress' |
            Where-Object { (Get-CfnTargetName (Get-Prop $_.Properties 'GroupId')) -ceq $GroupName } |
            ForEach-Object { $_.Properties })
    if ($rules.Count -eq 0) { return "$GroupName has no ingress rule" }
    foreach ($r in $rules) {
        $proto = "$(Get-Prop $r 'IpProtocol')"
        $from = Get-Prop $r 'FromPort'; $to = Get-Prop $r 'ToPort'
        if ($proto -cne 'tcp' -or "$from" -ne "$Port" -or "$to" -ne "$Port") {
            "$GroupName opens $proto $from-$to, expected only tcp $Port"
        }
    }
}

# The security groups a resource's property lists (by logical name).
function Get-ReferencedGroup($Template, [string] $ResourceType, [string] $Property) {
    Get-CfnResource $Template $ResourceType | ForEach-Object {
        Get-List (Get-Prop $_.Properties $Property) | ForEach-Object { Get-CfnTargetName $_ }
    } | Sort-Object -Unique
}

# The interface endpoint for one service, with private DNS.
function Get-InterfaceEndpointViolation($Template, [string] $Service) {
    $expected = "com.amazonaws.`${AWS::Region}.$Service"
    $found = @(Get-CfnResource $Template 'AWS::EC2::VPCEndpoint' |
            Where-Object { (ConvertTo-CfnText (Get-Prop $_.Properties 'ServiceName')) -ceq $expected })
    if ($found.Count -ne 1) { return "expected one VPC endpoint for $expected, found $($found.Count)" }
    $p = $found[0].Properties
    if ((Get-Prop $p 'VpcEndpointType') -cne 'Interface') { "$($found[0].Name) is not an Interface endpoint" }
    if (-not (Test-IsTrue (Get-Prop $p 'PrivateDnsEnabled'))) { "$($found[0].Name): PrivateDnsEnabled must be true, is '$(Get-Prop $p 'PrivateDnsEnabled')'" }
    if (@(Get-List (Get-Prop $p 'SecurityGroupIds')).Count -eq 0) { "$($found[0].Name) has no security group" }
    if (@(Get-List (Get-Prop $p 'SubnetIds')).Count -lt 2) { "$($found[0].Name) is in fewer than two subnets" }
}
