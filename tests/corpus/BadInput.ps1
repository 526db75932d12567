# The bad-input corpus: every case is input a user could type, and the error it must give.
# Each case names the cmdlet, the parameters to change from a valid baseline, the expected
# error id, and the text the message must contain (the bad value, by default). None may
# reach the network: tests/pester/BadInput.Tests.ps1 checks the sandbox's audit log stays empty.
#
# Values may name generated files as '{file:NAME}' (see tests/pester/BadInput.Tests.ps1).

$account = '123456789012'
$uuid = '2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11'
$cases = [System.Collections.Generic.List[hashtable]]::new()
function Add-Case([string] $Cmdlet, [hashtable] $Change, [string] $Id, [string] $Mention) {
    $value = [string] ($Change.Values | Select-Object -First 1)
    $cases.Add(@{ Cmdlet = $Cmdlet; Change = $Change; Id = $Id; Mention = if ($PSBoundParameters.ContainsKey('Mention')) { $Mention } else { $value } })
}

# --- ARNs (Get-IamraSession) -------------------------------------------------------------
$badAnchors = @(
    'trust-anchor', 'arn', 'arn:aws', "arn:aws:rolesanywhere:us-east-1:$($account):trust-anchor", "arn:aws:rolesanywhere:us-east-1:$($account):trust-anchor/",
    "arn:aws:rolesanywhere:us-east-1:$($account):trust-anchor/not-a-uuid", "arn:aws:rolesanywhere:us-east-1:$($account):profile/$uuid",
    "arn:aws:iam::$($account):role/x", "arn:aws:rolesanywhere::$($account):trust-anchor/$uuid", "arn:aws:rolesanywhere:us-east-1::trust-anchor/$uuid",
    "arn:aws:rolesanywhere:us-east-1:12345678901:trust-anchor/$uuid", "arn:aws:rolesanywhere:us-east-1:1234567890123:trust-anchor/$uuid",
    "arn:aws:rolesanywhere:us-east-1:abcdefghijkl:trust-anchor/$uuid", "arn:aws:rolesanywhere:US-EAST-1:$($account):trust-anchor/$uuid",
    "arn:aws:rolesanywhere:useast1:$($account):trust-anchor/$uuid", "arn:aws-cn:rolesanywhere:us-east-1:$($account):trust-anchor/$uuid",
    "arn:aws:rolesanywhere:cn-north-1:$($account):trust-anchor/$uuid", "arn:aws-us-gov:rolesanywhere:us-east-1:$($account):trust-anchor/$uuid",
    "arn:aws-moon:rolesanywhere:us-east-1:$($account):trust-anchor/$uuid", "ARN:aws:rolesanywhere:us-east-1:$($account):trust-anchor/$uuid",
    " arn:aws:rolesanywhere:us-east-1:$($account):trust-anchor/$uuid", "arn:aws:rolesanywhere:us-east-1:$($account):trust-anchor/$uuid/extra",
    "arn:aws:rolesanywhere:us-east-1:$($account):trust-anchor/{$uuid}", "arn:aws:s3:::bucket", 'arn:::::'
)
foreach ($value in $badAnchors) { Add-Case 'Get-IamraSession' @{ TrustAnchorArn = $value } 'IamraInvalidArn' }

$badProfiles = @(
    "arn:aws:rolesanywhere:us-east-1:$($account):profile", "arn:aws:rolesanywhere:us-east-1:$($account):profile/xyz",
    "arn:aws:rolesanywhere:us-east-1:$($account):trust-anchor/$uuid", "arn:aws:rolesanywhere:us-east-1:$($account):profile/$uuid/",
    "arn:aws:rolesanywhere:us-east-1:1:profile/$uuid", "arn:aws:rolesanywhere:mars-1:$($account):profile/$uuid",
    'profile/abc', "arn:aws:iam::$($account):role/x",
    "arn:aws:rolesanywhere:us-east-1:$($account):profile\$uuid"
)
foreach ($value in $badProfiles) { Add-Case 'Get-IamraSession' @{ ProfileArn = $value } 'IamraInvalidArn' }
foreach ($value in "arn:aws:rolesanywhere:eu-west-1:$($account):profile/$uuid", "arn:aws:rolesanywhere:us-west-2:$($account):profile/$uuid", "arn:aws-cn:rolesanywhere:cn-north-1:$($account):profile/$uuid") {
    Add-Case 'Get-IamraSession' @{ ProfileArn = $value } 'IamraRegionMismatch'
}
Add-Case 'Get-IamraSession' @{ ProfileArn = "arn:aws:rolesanywhere:us-east-1:210987654321:profile/$uuid" } 'IamraRegionMismatch'

$badRoles = @(
    'role/x', "arn:aws:iam::$($account):user/bob", "arn:aws:iam::$($account):role/", "arn:aws:iam::$($account):role",
    "arn:aws:iam:us-east-1:$($account):role/x", "arn:aws:iam::12345:role/x", "arn:aws:sts::$($account):assumed-role/x/y",
    "arn:aws:iam::$($account):role/has space", "arn:aws:iam::$($account):role/" + ('r' * 65), "arn:aws:iam::$($account):group/x",
    "arn:aws:iam::$($account):role/bad*name", "arn:aws:iam::$($account):role/bad#name", "arn:aws:iam::$($account):policy/x",
    "arn:aws:rolesanywhere:us-east-1:$($account):role/x", "arn:aws:iam::abcdefghijkl:role/x"
)
foreach ($value in $badRoles) { Add-Case 'Get-IamraSession' @{ RoleArn = $value } 'IamraInvalidArn' }

# --- Session durations, names, regions, endpoints ----------------------------------------
foreach ($value in 0, 1, 60, 899, 43201, 86400, -1, 2147483647) { Add-Case 'Get-IamraSession' @{ SessionDurationSeconds = $value } 'IamraInvalidDuration' }
foreach ($value in 'a', 'has space', 'semi;colon', 'slash/x', ('n' * 65), 'quote''s', 'tab	x', 'star*') { Add-Case 'Get-IamraSession' @{ RoleSessionName = $value } 'IamraInvalidRoleSessionName' }
foreach ($value in 'mars-1', 'US-EAST-1', 'us_east_1', 'useast1', 'us-east', 'east-1', '1-us-east', 'us-east-1a', 'us east 1', 'us-east-100') {
    Add-Case 'Get-IamraSession' @{ Region = $value } 'IamraInvalidRegion'
}
foreach ($value in 'eu-west-1', 'us-west-2', 'cn-north-1') { Add-Case 'Get-IamraSession' @{ Region = $value } 'IamraRegionMismatch' }
foreach ($value in 'http://rolesanywhere.example.test', 'ftp://example.test', 'rolesanywhere.us-east-1.amazonaws.com', 'https://', 'https://example.test/?q=1', 'https://example.test/#x', 'file:///etc/passwd', 'not a url') {
    Add-Case 'Get-IamraSession' @{ RolesAnywhereEndpointUrl = $value } 'IamraInvalidEndpoint'
}
foreach ($value in '/nonexistent/bundle.pem', '{file:empty.pem}', '{file:garbage.bin}') { Add-Case 'Get-IamraSession' @{ CaBundlePath = $value } 'IamraCaBundleInvalid' }

# --- Redshift names, durations, hosts (Get-RedshiftDbCredential) --------------------------
foreach ($value in '1user', '_user', 'user name', 'user;drop', 'PUBLIC', 'public', 'Public', ('u' * 65), 'user/x', 'user''q', 'ü-user', 'user*', 'user#1', '-user', '.user') {
    Add-Case 'Get-RedshiftDbCredential' @{ DbUser = $value } 'RedshiftInvalidDbUser'
}
foreach ($value in '1db', 'db name', 'db;x', ('d' * 65), '_db', 'db/x', 'db''q', 'db*') { Add-Case 'Get-RedshiftDbCredential' @{ DbName = $value } 'RedshiftInvalidDbName' }
foreach ($value in 'My-Cluster', 'cluster_1', '1cluster', 'cluster-', 'clus--ter', ('c' * 64), 'cluster.one', 'cluster one', '-cluster', 'CLUSTER') {
    Add-Case 'Get-RedshiftDbCredential' @{ ClusterIdentifier = $value } 'RedshiftInvalidClusterIdentifier'
}
foreach ($value in 'Ops', 'ops team', '1ops', 'ops;x', ('g' * 65), 'OPS', 'ops/x') { Add-Case 'Get-RedshiftDbCredential' @{ DbGroup = $value } 'RedshiftInvalidDbGroup' }
foreach ($value in 0, 899, 3601, 7200, 43200, -5) { Add-Case 'Get-RedshiftDbCredential' @{ DurationSeconds = $value } 'RedshiftInvalidDuration' }
foreach ($value in 'mars-1', 'us_east_1', 'US-WEST-2', 'us-west') { Add-Case 'Get-RedshiftDbCredential' @{ Region = $value } 'IamraInvalidRegion' }
foreach ($value in 'http://redshift.example.test', 'redshift.us-east-1.amazonaws.com', 'https://example.test/?x=1') { Add-Case 'Get-RedshiftDbCredential' @{ RedshiftEndpointUrl = $value } 'IamraInvalidEndpoint' }
foreach ($value in 0, 65536, -1, 70000) { Add-Case 'Get-RedshiftDbCredential' @{ Port = $value } 'RedshiftInvalidPort' }

# Serverless workgroup names.
foreach ($value in 'ab', 'Work-Group', 'work_group', 'work group', ('w' * 65), 'wg;x', 'WG') {
    Add-Case 'Get-RedshiftDbCredential-Serverless' @{ WorkgroupName = $value } 'RedshiftInvalidWorkgroupName'
}

# Host names that name no Redshift and no identifier.
foreach ($value in 'db.example.com', 'vpce-0abc123-xyz.vpce-svc-0123.us-east-1.vpce.amazonaws.com', 'redshift.internal:5439', '10.0.0.5', 'localhost') {
    Add-Case 'Get-RedshiftDbCredential-Hostname' @{ Hostname = $value } 'RedshiftHostnameUnknown'
}

# --- Certificates and keys (Get-IamraCertificate) ------------------------------------------
foreach ($value in 'abc', ('A' * 39), ('A' * 41), ('G' * 40), '12:34', '') {
    if ($value) { Add-Case 'Get-IamraCertificate' @{ Thumbprint = $value } 'IamraThumbprintInvalid' }
}
$fileCases = @(
    @{ Change = @{ Path = '/nonexistent/cert.pem' }; Id = 'IamraCertificateFileNotFound' }
    @{ Change = @{ Path = '{file:empty.pem}' }; Id = 'IamraCertificateFormatInvalid' }
    @{ Change = @{ Path = '{file:truncated.pem}' }; Id = 'IamraCertificateFormatInvalid' }
    @{ Change = @{ Path = '{file:garbage.bin}' }; Id = 'IamraCertificateFormatInvalid' }
    @{ Change = @{ Path = '{file:huge.pem}' }; Id = 'IamraCertificateFormatInvalid' }
    @{ Change = @{ Path = '{file:wrong-label.pem}' }; Id = 'IamraCertificateFormatInvalid' }
    @{ Change = @{ Path = '{file:key-only.pem}' }; Id = 'IamraCertificateFormatInvalid' }
    @{ Change = @{ Path = '{file:cert-only.pem}' }; Id = 'IamraNoPrivateKey' }
    @{ Change = @{ Path = '{file:expired.pem}' }; Id = 'IamraCertificateExpired' }
    @{ Change = @{ Path = '{file:future.pem}' }; Id = 'IamraCertificateNotYetValid' }
    @{ Change = @{ Path = '{file:server-only.pem}' }; Id = 'IamraCertificateNotUsable' }
    @{ Change = @{ Path = '{file:ca.pem}' }; Id = 'IamraCertificateNotUsable' }
    @{ Change = @{ Path = '{file:rsa1024.pem}' }; Id = 'IamraUnsupportedKey' }
    @{ Change = @{ Path = '{file:ed25519.pem}' }; Id = 'IamraUnsupportedKey' }
    @{ Change = @{ Path = '{file:dsa.pem}' }; Id = 'IamraUnsupportedKey' }
    @{ Change = @{ Path = '{file:good.pem}'; PrivateKeyPath = '{file:other.key}' }; Id = 'IamraPrivateKeyMismatch' }
    @{ Change = @{ Path = '{file:good.pem}'; PrivateKeyPath = '{file:ec.key}' }; Id = 'IamraPrivateKeyMismatch' }
    @{ Change = @{ Path = '{file:good.pem}'; PrivateKeyPath = '/nonexistent/key.pem' }; Id = 'IamraCertificateFileNotFound' }
    @{ Change = @{ Path = '{file:good.pem}'; PrivateKeyPath = '{file:legacy-encrypted.key}' }; Id = 'IamraPrivateKeyFormatInvalid' }
    @{ Change = @{ Path = '{file:good.pem}'; PrivateKeyPath = '{file:encrypted.key}' }; Id = 'IamraCertificatePasswordRequired' }
    @{ Change = @{ Path = '{file:good.pem}'; PrivateKeyPath = '{file:encrypted.key}'; Password = '{password:wrong}' }; Id = 'IamraCertificatePasswordInvalid' }
    @{ Change = @{ Path = '{file:client.pfx}' }; Id = 'IamraCertificatePasswordRequired' }
    @{ Change = @{ Path = '{file:client.pfx}'; Password = '{password:wrong}' }; Id = 'IamraCertificatePasswordInvalid' }
    @{ Change = @{ Path = '{file:good.pem}'; ChainPath = '/nonexistent/chain.pem' }; Id = 'IamraCertificateFileNotFound' }
    @{ Change = @{ Path = '{file:good.pem}'; ChainPath = '{file:empty.pem}' }; Id = 'IamraCertificateFormatInvalid' }
)
foreach ($case in $fileCases) {
    $change = $case.Change
    $first = $change.Keys | Where-Object { $_ -ne 'Password' } | Sort-Object { if ($_ -eq 'Path') { 1 } else { 0 } } | Select-Object -First 1
    $cases.Add(@{ Cmdlet = 'Get-IamraCertificate'; Change = $change; Id = $case.Id; Mention = $null; MentionParameter = $first })
}

# --- PKCS#11 token sources (no token is reached: each is refused before loading a library) --
foreach ($value in 'pkcs11:tokne=hsm1', 'token=hsm1', 'pkcs11:token=a;token=b', 'pkcs11:id=%0g', 'pkcs11:token=hsm1;type=secret', 'pkcs11:token=hsm1?pin=1',
    'pkcs11:token=hsm1?pin-value=1&pin-source=file:/p', 'pkcs11:token=hsm1;type=data', 'pkcs11:token=hsm1?module-name=softhsm2') {
    Add-Case 'Get-IamraCertificate' @{ Pkcs11Uri = $value } 'IamraPkcs11UriInvalid' -Mention 'PKCS#11 URI'
}
foreach ($value in 'zz', '1', '0x') { Add-Case 'Get-IamraCertificate' @{ TokenLabel = 'hsm1'; KeyId = $value } 'IamraPkcs11UriInvalid' -Mention "-KeyId '$value'" }
Add-Case 'Get-IamraCertificate' @{ Pkcs11Uri = 'pkcs11:token=hsm1?module-path=/nonexistent/libpkcs11.so' } 'IamraPkcs11LibraryNotFound' -Mention '/nonexistent/libpkcs11.so'
Add-Case 'Get-IamraCertificate' @{ TokenLabel = 'hsm1'; Pkcs11Library = '/nonexistent/libvendor.so' } 'IamraPkcs11LibraryNotFound' -Mention '/nonexistent/libvendor.so'
Add-Case 'Set-IamraAwsProfile' @{ Pkcs11Uri = 'pkcs11:token=hsm1;object=k?pin-value=1234' } 'IamraProfileCannotHoldPassword' -Mention 'PIN'

foreach ($value in '-00:00:01', '02:00:00', '1.00:00:00') { Add-Case 'Get-IamraSession' @{ SessionOption = "{option:RenewalMargin=$value}" } 'IamraInvalidRenewalMargin' -Mention $value }
foreach ($value in '-00:00:01', '00:45:00') { Add-Case 'Get-RedshiftDbCredential' @{ SessionOption = "{option:RenewalMargin=$value}" } 'IamraInvalidRenewalMargin' -Mention $value }

# --- Session options (New-IamraSessionOption) ------------------------------------------------
foreach ($value in 'ftp://proxy.example.test/', 'socks5://127.0.0.1:1080/') { Add-Case 'New-IamraSessionOption' @{ Proxy = $value } 'IamraInvalidSessionOption' }

# --- The parameter groups on every cmdlet that takes them -----------------------------------
foreach ($value in 'has space', 'x', ('n' * 65)) {
    Add-Case 'Connect-RedshiftIamra' @{ RoleSessionName = $value } 'IamraInvalidRoleSessionName'
    Add-Case 'Save-RedshiftIamraConfig' @{ RoleSessionName = $value } 'IamraInvalidRoleSessionName'
}
Add-Case 'Connect-RedshiftIamra' @{ SessionDurationSeconds = 60 } 'IamraInvalidDuration' -Mention '-SessionDurationSeconds 60'
# Staging settings (Connect-RedshiftIamra -Staging, Save-RedshiftIamraConfig -Staging) are checked before any call.
Add-Case 'Connect-RedshiftIamra' @{ Staging = @{ Bucket = 'Bad_Bucket' } } 'RedshiftStagingInvalid' -Mention 'Bad_Bucket'
Add-Case 'Connect-RedshiftIamra' @{ Staging = @{ Bucket = 'etl-staging'; CopyRoleArn = 'role/copy' } } 'RedshiftStagingInvalid' -Mention 'role/copy'
Add-Case 'Save-RedshiftIamraConfig' @{ Staging = @{ Bucket = 'etl-staging'; Prefix = '/absolute/' } } 'RedshiftStagingInvalid' -Mention '/absolute/'
Add-Case 'Save-RedshiftIamraConfig' @{ Staging = @{ Bucket = 'etl-staging'; EndpointUrl = 'ftp://s3.example.test' } } 'RedshiftStagingInvalid' -Mention 'ftp://s3.example.test'
# A plain-string -SecretKey (as AWS Tools users splat it) binds; the bad cluster name is the error, and the key is never echoed.
Add-Case 'Get-RedshiftDbCredential' @{ ClusterIdentifier = 'Bad_Cluster'; SecretKey = 'plain-secret-key-never-echoed' } 'RedshiftInvalidClusterIdentifier' -Mention 'Bad_Cluster'

# The credential server, the credentials file and the cached credential_process take the Roles Anywhere group whole.
foreach ($cmdlet in 'Start-IamraCredentialServer', 'Update-IamraCredentialFile', 'ConvertTo-IamraCredentialProcess') {
    Add-Case $cmdlet @{ SessionDurationSeconds = 60 } 'IamraInvalidDuration' -Mention '-SessionDurationSeconds 60'
    Add-Case $cmdlet @{ RoleArn = 'role/x' } 'IamraInvalidArn'
    Add-Case $cmdlet @{ RoleSessionName = 'has space' } 'IamraInvalidRoleSessionName'
    Add-Case $cmdlet @{ Path = '{file:expired.pem}' } 'IamraCertificateExpired' -Mention 'corpus-expired'
}
foreach ($value in 'bad name]', 'a b', '[x', ('p' * 65)) { Add-Case 'Update-IamraCredentialFile' @{ ProfileName = $value } 'IamraInvalidProfileName' }

# --- What a saved configuration cannot hold ---------------------------------------------------
Add-Case 'Save-RedshiftIamraConfig' @{ Password = '{password:any}' } 'RedshiftIamraConfigCannotSave' -Mention 'password'
Add-Case 'Save-RedshiftIamraConfig' @{ Pkcs11Uri = 'pkcs11:token=hsm1;object=k?pin-value=1234' } 'RedshiftIamraConfigCannotSave' -Mention 'PIN'
Add-Case 'Save-RedshiftIamraConfig' @{ TlsMode = 'Require' } 'RedshiftIamraConfigCannotSave' -Mention '-TlsMode'
Add-Case 'Save-RedshiftIamraConfig' @{ SessionOption = '{option:TimeoutSeconds=30}' } 'RedshiftIamraConfigCannotSave' -Mention '-SessionOption'
foreach ($value in 'ñdb', 'db,x', 'db"q') { Add-Case 'Get-RedshiftDbCredential' @{ DbName = $value } 'RedshiftInvalidDbName' }
foreach ($value in 'eu-west', 'xx', 'us-east-1-2') { Add-Case 'Get-RedshiftDbCredential' @{ Region = $value } 'IamraInvalidRegion' }
foreach ($value in 'user,x', 'user"q') { Add-Case 'Get-RedshiftDbCredential' @{ DbUser = $value } 'RedshiftInvalidDbUser' }

# --- Weak TLS without the switch, and config files ----------------------------------------
foreach ($value in 'VerifyCA', 'Require') { Add-Case 'Connect-RedshiftIamra' @{ TlsMode = $value } 'RedshiftWeakTlsRefused' }
Add-Case 'Set-IamraAwsProfile' @{ Password = '{password:any}' } 'IamraProfileCannotHoldPassword' -Mention 'password'

# --- Stacks and saved configurations -------------------------------------------------------
foreach ($value in 'not_a_stack', '9stack', ('s' * 129), "arn:aws:cloudformation:us-east-1:123:stack/x/$uuid") {
    Add-Case 'Get-RedshiftIamraStack' @{ StackName = $value } 'RedshiftIamraInvalidStackName'
}
Add-Case 'Get-RedshiftIamraStack' @{ Region = 'mars-1' } 'IamraInvalidRegion'
Add-Case 'Get-RedshiftIamraStack' @{ CloudFormationEndpointUrl = 'http://cloudformation.example.test' } 'IamraInvalidEndpoint'
foreach ($value in 'bad name', '-x', 'a/b', ('n' * 65)) { Add-Case 'Save-RedshiftIamraConfig' @{ Name = $value } 'RedshiftIamraInvalidConfigName' }
Add-Case 'Save-RedshiftIamraConfig' @{ TrustAnchorArn = "arn:aws:rolesanywhere:us-east-1:$($account):profile/$uuid" } 'IamraInvalidArn'
Add-Case 'Save-RedshiftIamraConfig' @{ RoleArn = 'role/x' } 'IamraInvalidArn'
Add-Case 'Save-RedshiftIamraConfig' @{ ProfileArn = "arn:aws:rolesanywhere:eu-west-1:$($account):profile/$uuid" } 'IamraRegionMismatch'
Add-Case 'Save-RedshiftIamraConfig' @{ Region = 'eu-west' } 'IamraInvalidRegion'
Add-Case 'Save-RedshiftIamraConfig' @{ ClusterIdentifier = 'My_Cluster' } 'RedshiftInvalidClusterIdentifier'
Add-Case 'Save-RedshiftIamraConfig' @{ DbUser = 'user,x' } 'RedshiftInvalidDbUser'
Add-Case 'Save-RedshiftIamraConfig' @{ Port = 70000 } 'RedshiftIamraConfigIncomplete'
Add-Case 'Save-RedshiftIamraConfig' @{ Port = 0 } 'RedshiftIamraConfigIncomplete' -Mention '-Port 0'
Add-Case 'Save-RedshiftIamraConfig' @{ SessionDurationSeconds = 100 } 'RedshiftIamraConfigIncomplete'
Add-Case 'Save-RedshiftIamraConfig' @{ SessionDurationSeconds = 0 } 'RedshiftIamraConfigIncomplete' -Mention '-SessionDurationSeconds 0'
Add-Case 'Save-RedshiftIamraConfig' @{ DurationSeconds = 7200 } 'RedshiftInvalidDuration'
Add-Case 'Save-RedshiftIamraConfig' @{ RolesAnywhereEndpointUrl = 'http://rolesanywhere.example.test' } 'IamraInvalidEndpoint'
Add-Case 'Save-RedshiftIamraConfig' @{ Path = '/nonexistent/cert.pem' } 'IamraCertificateFileNotFound'


# --- What Set-IamraAwsProfile writes for other interpreters (credential_process, the INI file) ---
# Values named '{hostile:KEY}' are files BadInput.Tests.ps1 creates with line breaks in their names.
Add-Case 'Set-IamraAwsProfile' @{ Path = '{hostile:newline-cert}' } 'IamraValueCannotBeQuoted' -Mention 'line feed'
Add-Case 'Set-IamraAwsProfile' @{ Path = '{hostile:cr-cert}' } 'IamraValueCannotBeQuoted' -Mention 'carriage return'
Add-Case 'Set-IamraAwsProfile' @{ Path = '{hostile:newline-profile-cert}' } 'IamraValueCannotBeQuoted' -Mention 'credential_process'
Add-Case 'Set-IamraAwsProfile' @{ CaBundlePath = '{hostile:newline-ca}' } 'IamraValueCannotBeQuoted' -Mention 'CA bundle path'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-dir}' } 'IamraAwsConfigFileIsDirectory'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-readonly}' } 'IamraAwsConfigFileReadOnly'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-locked}' } 'IamraAwsConfigFileLockIsDirectory' -Mention '{file:config-locked.lock}'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-dupkey}' } 'IamraAwsConfigUnreadable' -Mention "the key 'region' appears twice"
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-dupsection}' } 'IamraAwsConfigUnreadable' -Mention 'appears twice'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-orphan}' } 'IamraAwsConfigUnreadable' -Mention 'line 1'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-noequals}' } 'IamraAwsConfigUnreadable' -Mention 'line 2'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-bom}' } 'IamraAwsConfigUnreadable' -Mention '{file:config-bom}'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-nested}' } 'IamraAwsConfigUnreadable' -Mention 'oops'
Add-Case 'Set-IamraAwsProfile' @{ ConfigPath = '{file:config-emptykey}' } 'IamraAwsConfigUnreadable' -Mention 'without a key'

$cases
