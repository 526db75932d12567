# Write-RedshiftTable -Method Staged and Export-RedshiftQuery by UNLOAD, end to end through the
# built module against the sandbox: the Redshift front (COPY from S3, UNLOAD to S3, stl_load_errors)
# and its S3 endpoint. Rows are read back with psql; the staging prefix is listed with the AWS CLI
# (aws s3api list-objects-v2) under the same Roles Anywhere session; exports are compared with
# psql --csv. No test here uses -CreateTable (the table is created with psql first).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    foreach ($tool in 'psql', 'aws') {
        if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "$tool is not on PATH: the staged loading tests need it." }
    }
    $sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
    $sandbox.AddDatabaseUser('stager')
    $sandbox.ExecuteSql('grant create on schema public to "IAM:stager"')
    $session = $sandbox.SessionParameters
    $redshift = $sandbox.RedshiftParameters
    $root = $sandbox.TlsCaBundlePath
    $iamra = Get-IamraCertificate -Thumbprint $sandbox.ClientCertificate.Thumbprint | Get-IamraSession @session
    $credential = $iamra | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser stager -DbName dev
    $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root
    $prefix = 'tests/' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '/'
    $staging = @{ StagingBucket = $sandbox.StagingBucket; StagingPrefix = $prefix; CopyRoleArn = $sandbox.CopyRoleArn; S3EndpointUrl = $sandbox.S3Endpoint }

    $psqlEnvironment = $credential | ConvertTo-RedshiftConnectionString -Format Environment -IncludePassword -RootCertificatePath $root
    Invoke-Expression $psqlEnvironment
    function Invoke-Psql([string] $Sql, [switch] $Csv) {
        $arguments = @('-X', '-v', 'ON_ERROR_STOP=1', '-c', $Sql) + $(if ($Csv) { @('--csv') } else { @('-A', '-t', '-F', '|') })
        $output = & psql @arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed: $output" }
        $output
    }
    function New-TableName { 't_' + [guid]::NewGuid().ToString('N').Substring(0, 10) }

    # The AWS CLI signs with the same Roles Anywhere session (the staging bucket's policy allows its role).
    $awsEnvironment = @{
        AWS_ACCESS_KEY_ID = $iamra.AccessKeyId
        AWS_SECRET_ACCESS_KEY = ConvertFrom-SecureString $iamra.SecretAccessKey -AsPlainText
        AWS_SESSION_TOKEN = ConvertFrom-SecureString $iamra.SessionToken -AsPlainText
        AWS_CA_BUNDLE = $root
        AWS_DEFAULT_REGION = 'us-east-1'
        AWS_CONFIG_FILE = Join-Path $sandbox.WorkingDirectory 'no-aws-config'
        AWS_SHARED_CREDENTIALS_FILE = Join-Path $sandbox.WorkingDirectory 'no-aws-credentials'
        AWS_PROFILE = $null
    }
    function Set-EnvironmentValue([string] $Name, [AllowNull()] [string] $Value) {
        if ([string]::IsNullOrEmpty($Value)) { Remove-Item "env:$Name" -ErrorAction SilentlyContinue } else { Set-Item "env:$Name" $Value }
    }
    # Every key under the test's staging prefix, as the AWS CLI lists it.
    function Get-StagedKey {
        $saved = @{}
        foreach ($name in $awsEnvironment.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-EnvironmentValue $name $awsEnvironment[$name] }
        try {
            $json = & aws s3api list-objects-v2 --bucket $sandbox.StagingBucket --prefix $prefix --endpoint-url $sandbox.S3Endpoint --output json 2>&1
            if ($LASTEXITCODE -ne 0) { throw "aws s3api list-objects-v2 failed: $json" }
        } finally {
            foreach ($name in $saved.Keys) { Set-EnvironmentValue $name $saved[$name] }
        }
        $text = ($json -join "`n").Trim()
        if (-not $text) { return @() }
        $listing = $text | ConvertFrom-Json
        if ($listing.PSObject.Properties['Contents']) { @($listing.Contents | ForEach-Object Key) } else { @() }
    }
    # The objects a test's load or export put (the sandbox's S3 audit: PutObject / CreateMultipartUpload under the prefix).
    function Get-StagedPut([int] $After) {
        @($sandbox.GetAuditEvents() | Select-Object -Skip $After |
                Where-Object { $_.EventName -in 'PutObject', 'CreateMultipartUpload' -and $_.Outcome -eq 'Success' -and $_.Key -and $_.Key.StartsWith($prefix) })
    }
    function New-Row([int] $i) {
        [pscustomobject]@{
            id = $i; name = "name $i, ""q"""; amount = [decimal] $i / 8; at = ([datetime] '2026-02-01').AddMinutes($i)
            ok = ($i % 3 -eq 0); note = $(if ($i % 5 -eq 0) { $null } elseif ($i % 7 -eq 0) { "two`nlines" } else { 'n' + $i })
        }
    }
    $tableSql = '(id int not null, name varchar(40), amount numeric(12,3), at timestamp, ok boolean, note varchar(20))'
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-staged-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Path $work | Out-Null
}

AfterAll {
    foreach ($name in 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSSLMODE', 'PGSSLROOTCERT', 'PGPASSWORD') { Remove-Item "env:$name" -ErrorAction SilentlyContinue }
    Disconnect-RedshiftIamra -All
    Stop-RedshiftIamraSandbox
    if ($work) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Write-RedshiftTable -Method Staged' {
    It 'loads pipeline objects through gzip CSV parts in S3 and one COPY, and deletes the staged objects' {
        $t = New-TableName
        Invoke-Psql "create table $t $tableSql" | Out-Null
        $before = $sandbox.GetAuditEvents().Count
        $result = 1..3000 | ForEach-Object { New-Row $_ } | Write-RedshiftTable -Table $t -Method Staged @staging -PassThru
        $result.Method | Should -Be 'Staged'
        $result.Rows | Should -Be 3000
        $result.Parts | Should -BeGreaterOrEqual 1
        Invoke-Psql "select count(*), sum(id), sum(amount), count(*) filter (where ok), count(*) filter (where note is null), min(at), max(name) from $t" |
            Should -Be '3000|4501500|562687.500|1000|600|2026-02-01 00:01:00|name 999, "q"'
        Invoke-Psql "select note from $t where id = 7" | Should -Be @('two', 'lines')
        Get-StagedKey | Should -BeNullOrEmpty -Because 'the parts and the manifest are deleted after the COPY'
        $puts = Get-StagedPut $before
        @($puts | Where-Object Key -Like '*manifest').Count | Should -Be 1
        @($puts | Where-Object Key -Like '*.gz').Count | Should -Be $result.Parts
    }

    It 'loads a CSV file with -Path through S3 the same way the direct path does' {
        $t = New-TableName
        Invoke-Psql "create table $t (id int primary key, full_name varchar(50), note varchar(100))" | Out-Null
        $csv = Join-Path $work 'people.csv'
        [IO.File]::WriteAllText($csv, "Id,Name,Note`n1,Ada,""quoted, with comma""`n2,Grace,""she said """"hi""""""`n3,Linus,`n4,Émile,""two`nlines""`n")
        $result = Write-RedshiftTable -Table $t -Path $csv -ColumnMap @{ Name = 'full_name' } -Method Staged @staging -PassThru
        $result.Method | Should -Be 'Staged'
        $result.Rows | Should -Be 4
        Invoke-Psql "select id, full_name, coalesce(note, '<null>') from $t order by id" | Should -Be @('1|Ada|quoted, with comma', '2|Grace|she said "hi"', '3|Linus|', '4|Émile|two', 'lines')
        Get-StagedKey | Should -BeNullOrEmpty
    }

    It 'sends SSE-S3 (AES256) by default and SSE-KMS with -KmsKeyId on every staged object' {
        $t = New-TableName
        Invoke-Psql "create table $t $tableSql" | Out-Null
        $before = $sandbox.GetAuditEvents().Count
        1..10 | ForEach-Object { New-Row $_ } | Write-RedshiftTable -Table $t -Method Staged @staging
        $puts = Get-StagedPut $before
        $puts.Count | Should -BeGreaterOrEqual 2
        $puts | ForEach-Object { $_.ServerSideEncryption | Should -Be 'AES256' -Because "$($_.Key) is staged with SSE-S3" }
        $key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
        $before = $sandbox.GetAuditEvents().Count
        11..20 | ForEach-Object { New-Row $_ } | Write-RedshiftTable -Table $t -Method Staged @staging -KmsKeyId $key
        $puts = Get-StagedPut $before
        $puts.Count | Should -BeGreaterOrEqual 2
        $puts | ForEach-Object {
            $_.ServerSideEncryption | Should -Be 'aws:kms'
            $_.KmsKeyId | Should -Be $key
        }
        Invoke-Psql "select count(*) from $t" | Should -Be '20'
        Get-StagedKey | Should -BeNullOrEmpty
    }

    It 'a row COPY refuses in the middle leaves the table unchanged and no staged object, and the error names row, column and value' {
        $t = New-TableName
        # timetz is a type the module passes through as text: only the server (COPY) checks it.
        Invoke-Psql "create table $t (id int not null, at timetz, v varchar(10)); insert into $t values (100, '10:00:00+00', 'keep')" | Out-Null
        $rows = 1..3000 | ForEach-Object { [pscustomobject]@{ id = $_; at = $(if ($_ -eq 2437) { 'half past ten' } else { '10:30:00+02' }); v = 'a' } }
        $err = $null
        $rows | Write-RedshiftTable -Table $t -Method Staged @staging -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftLoadFailed,*'
        $err[0].Exception.Message | Should -Match 'row 2437'
        $err[0].Exception.Message | Should -Match "column 'at'"
        $err[0].Exception.Message | Should -Match 'half past ten'
        Invoke-Psql "select count(*), max(id) from $t" | Should -Be '1|100'
        Get-StagedKey | Should -BeNullOrEmpty -Because 'a failed load deletes what it staged'
    }

    It 'a value the module refuses before the COPY also leaves nothing staged' {
        $t = New-TableName
        Invoke-Psql "create table $t (id int not null, qty int)" | Out-Null
        $err = $null
        1..3000 | ForEach-Object { [pscustomobject]@{ id = $_; qty = $(if ($_ -eq 2999) { 'twelve' } else { $_ }) } } |
            Write-RedshiftTable -Table $t -Method Staged @staging -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftValueNotConvertible,*'
        $err[0].Exception.Message | Should -Match 'Row 2999'
        Invoke-Psql "select count(*) from $t" | Should -Be '0'
        Get-StagedKey | Should -BeNullOrEmpty
    }
}

Describe 'Write-RedshiftTable -Method Staged: -Truncate and -Upsert' {
    BeforeEach {
        $t = New-TableName
        Invoke-Psql "create table $t (id int not null, v varchar(10)); insert into $t values (1, 'old1'), (2, 'old2'), (3, 'old3')" | Out-Null
    }

    It '-Truncate replaces every row in the COPY''s transaction' {
        $result = @([pscustomobject]@{ id = 10; v = 'new10' }, [pscustomobject]@{ id = 11; v = 'new11' }) | Write-RedshiftTable -Table $t -Truncate -Method Staged @staging -PassThru
        $result.Method | Should -Be 'Staged'
        $result.Truncated | Should -BeTrue
        Invoke-Psql "select id, v from $t order by id" | Should -Be @('10|new10', '11|new11')
        Get-StagedKey | Should -BeNullOrEmpty
    }

    It '-Truncate with a row COPY refuses leaves the old rows in place' {
        Invoke-Psql "alter table $t add column at timetz" | Out-Null
        $err = $null
        @([pscustomobject]@{ id = 10; v = 'ok'; at = '10:00+01' }, [pscustomobject]@{ id = 11; v = 'bad'; at = 'noon' }) |
            Write-RedshiftTable -Table $t -Truncate -Method Staged @staging -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftLoadFailed,*'
        Invoke-Psql "select id, v from $t order by id" | Should -Be @('1|old1', '2|old2', '3|old3')
        Get-StagedKey | Should -BeNullOrEmpty
    }

    It '-Upsert -Key replaces the rows with the same key and inserts the others' {
        $result = @([pscustomobject]@{ id = 2; v = 'upd2' }, [pscustomobject]@{ id = 4; v = 'new4' }) | Write-RedshiftTable -Table $t -Upsert -Key id -Method Staged @staging -PassThru
        $result.Method | Should -Be 'Staged'
        $result.Upserted | Should -BeTrue
        Invoke-Psql "select id, v from $t order by id" | Should -Be @('1|old1', '2|upd2', '3|old3', '4|new4')
        Get-StagedKey | Should -BeNullOrEmpty
    }
}

Describe 'Export-RedshiftQuery by UNLOAD' {
    BeforeAll {
        $t = New-TableName
        Invoke-Psql "create table $t (id int, name varchar(40), amount numeric(12,3), at timestamp, ok boolean, note varchar(40))" | Out-Null
        Invoke-Psql ("insert into $t select g, 'name ' || g, g * 1.125, timestamp '2026-01-01' + g * interval '61 seconds', g % 3 = 0, " +
            "case g % 4 when 0 then null when 1 then 'a,b' when 2 then 'say ""hi""' else E'two\nlines' end from generate_series(1, 20000) g") | Out-Null
        $query = "select id, name, amount, at, ok, note from $t order by id"
        $psqlFile = Join-Path $work 'psql-unload.csv'
        & psql -X -v ON_ERROR_STOP=1 --csv -c $query -o $psqlFile
        if ($LASTEXITCODE -ne 0) { throw 'psql --csv failed' }
        $expected = [IO.File]::ReadAllText($psqlFile)
        function Read-Gzip([string] $Path) {
            $gzip = [IO.Compression.GZipStream]::new([IO.File]::OpenRead($Path), [IO.Compression.CompressionMode]::Decompress)
            $reader = [IO.StreamReader]::new($gzip)
            try { $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
    }

    It 'writes one CSV file equal to psql --csv, and deletes what UNLOAD staged' {
        $out = Join-Path $work 'unload.csv'
        $before = $sandbox.GetAuditEvents().Count
        $result = Export-RedshiftQuery -Query $query -Path $out -ExportMethod Unload @staging -PassThru
        $result.Method | Should -Be 'Unload'
        $result.Rows | Should -Be 20000
        [IO.File]::ReadAllText($out) | Should -BeExactly $expected
        Get-StagedKey | Should -BeNullOrEmpty
        @($sandbox.GetAuditEvents() | Select-Object -Skip $before | Where-Object { $_.EventName -eq 'DeleteObjects' -and $_.Outcome -eq 'Success' }).Count | Should -BeGreaterOrEqual 1
    }

    It 'writes one gzip file when the path ends in .gz' {
        $out = Join-Path $work 'unload.csv.gz'
        $result = Export-RedshiftQuery -Query $query -Path $out -ExportMethod Unload @staging -PassThru
        $result.Method | Should -Be 'Unload'
        Read-Gzip $out | Should -BeExactly $expected
        Get-StagedKey | Should -BeNullOrEmpty
    }

    It 'keeps the parts as files with -Parts (plain and gzip), which together hold the rows psql reads' {
        foreach ($gzip in $false, $true) {
            $dir = Join-Path $work "parts-$gzip"
            $result = Export-RedshiftQuery -Query $query -Path $dir -ExportMethod Unload -Parts -Gzip:$gzip @staging -PassThru
            $result.Method | Should -Be 'Unload'
            $files = @(Get-ChildItem $dir -File | Sort-Object Name)
            $files.Count | Should -BeGreaterOrEqual 1
            $files.Count | Should -Be $result.Files.Count
            if ($gzip) { $files | ForEach-Object { $_.Name | Should -Match '\.gz$' } }
            $texts = $files | ForEach-Object { if ($gzip) { Read-Gzip $_.FullName } else { [IO.File]::ReadAllText($_.FullName) } }
            $header = ($expected -split "`n", 2)[0] + "`n"
            $body = ($texts | ForEach-Object { if ($_.StartsWith($header)) { $_.Substring($header.Length) } else { $_ } }) -join ''
            $header + $body | Should -BeExactly $expected
            Get-StagedKey | Should -BeNullOrEmpty
        }
    }

    It 'writes Parquet files with -FileFormat Parquet (Redshift''s part names), which COPY ... FORMAT AS PARQUET loads back as the rows psql reads' {
        $dir = Join-Path $work 'parquet'
        $result = Export-RedshiftQuery -Query $query -Path $dir -FileFormat Parquet -ExportMethod Unload @staging -PassThru
        $result.Method | Should -Be 'Unload'
        $result.Rows | Should -Be 20000
        $files = @(Get-ChildItem $dir -File | Sort-Object Name)
        $files.Count | Should -BeGreaterOrEqual 1
        $files.Count | Should -Be $result.Files.Count
        foreach ($file in $files) {
            $file.Name | Should -Match '0000_part_\d\d\.parquet$'
            $bytes = [IO.File]::ReadAllBytes($file.FullName)
            [Text.Encoding]::ASCII.GetString($bytes, 0, 4) | Should -Be 'PAR1'
            [Text.Encoding]::ASCII.GetString($bytes, $bytes.Length - 4, 4) | Should -Be 'PAR1'
        }
        Get-StagedKey | Should -BeNullOrEmpty

        # The local files back to S3 with the AWS CLI, and loaded with COPY ... FORMAT AS PARQUET.
        $back = New-TableName
        $backPrefix = 'pester-parquet/' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '/'
        $saved = @{}
        foreach ($name in $awsEnvironment.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-EnvironmentValue $name $awsEnvironment[$name] }
        try {
            foreach ($file in $files) {
                $output = & aws s3 cp $file.FullName "s3://$($sandbox.StagingBucket)/$backPrefix$($file.Name)" --endpoint-url $sandbox.S3Endpoint 2>&1
                if ($LASTEXITCODE -ne 0) { throw "aws s3 cp failed: $output" }
            }
        } finally {
            foreach ($name in $saved.Keys) { Set-EnvironmentValue $name $saved[$name] }
        }
        Invoke-Psql "create table $back (id int, name varchar(40), amount numeric(12,3), at timestamp, ok boolean, note varchar(40))" | Out-Null
        Invoke-Psql "copy $back from 's3://$($sandbox.StagingBucket)/$backPrefix' iam_role default format as parquet" | Out-Null
        $copied = Join-Path $work 'parquet-back.csv'
        & psql -X -v ON_ERROR_STOP=1 --csv -c "select id, name, amount, at, ok, note from $back order by id" -o $copied
        if ($LASTEXITCODE -ne 0) { throw 'psql --csv failed' }
        [IO.File]::ReadAllText($copied) | Should -BeExactly $expected
    }

    It 'streams through the connection without staging settings (the fallback) and with -ExportMethod Stream' {
        $out = Join-Path $work 'stream.csv'
        $result = Export-RedshiftQuery -Query $query -Path $out -PassThru
        $result.Method | Should -Be 'Stream'
        [IO.File]::ReadAllText($out) | Should -BeExactly $expected
        $out2 = Join-Path $work 'stream2.csv'
        $result = Export-RedshiftQuery -Query $query -Path $out2 -ExportMethod Stream @staging -PassThru
        $result.Method | Should -Be 'Stream'
        [IO.File]::ReadAllText($out2) | Should -BeExactly $expected
    }

    It 'leaves no file and nothing staged when UNLOAD fails' {
        $out = Join-Path $work 'failed.csv'
        { Export-RedshiftQuery -Query 'select 1 / 0 as x' -Path $out -ExportMethod Unload @staging -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftExportFailed,*'
        Test-Path $out | Should -BeFalse
        Get-StagedKey | Should -BeNullOrEmpty
    }
}

Describe 'Staging settings with the connection: Connect-RedshiftIamra -Staging, saved configurations' {
    BeforeAll {
        $configFile = Join-Path $work 'config.json'
        $savedConfig = $env:REDSHIFTIAMRA_CONFIG
        $env:REDSHIFTIAMRA_CONFIG = $configFile
    }
    AfterAll {
        if ($savedConfig) { $env:REDSHIFTIAMRA_CONFIG = $savedConfig } else { Remove-Item Env:REDSHIFTIAMRA_CONFIG -ErrorAction SilentlyContinue }
    }

    It 'a connection made with -Staging loads staged and exports by UNLOAD without staging parameters' {
        $staged = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault -Staging @{ Bucket = $sandbox.StagingBucket; Prefix = $prefix; CopyRoleArn = $sandbox.CopyRoleArn; EndpointUrl = $sandbox.S3Endpoint }
        $staged.Staging.Bucket | Should -Be $sandbox.StagingBucket
        $staged.Staging.Prefix | Should -Be $prefix
        $t = New-TableName
        Invoke-Psql "create table $t $tableSql" | Out-Null
        $result = 1..50 | ForEach-Object { New-Row $_ } | Write-RedshiftTable -Table $t -Connection $staged -Method Staged -PassThru
        $result.Method | Should -Be 'Staged'
        Invoke-Psql "select count(*) from $t" | Should -Be '50'
        $out = Join-Path $work 'auto-unload.csv'
        $export = Export-RedshiftQuery -Connection $staged -Query "select id from $t order by id" -Path $out -PassThru
        $export.Method | Should -Be 'Unload' -Because 'Auto exports by UNLOAD when the connection has staging settings'
        $export.Rows | Should -Be 50
        Get-StagedKey | Should -BeNullOrEmpty
        Disconnect-RedshiftIamra $staged
    }

    It 'typed staging parameters override the connection''s value by value' {
        $staged = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault -Staging @{ Bucket = $sandbox.StagingBucket; Prefix = $prefix; CopyRoleArn = 'arn:aws:iam::123456789012:role/not-associated'; EndpointUrl = $sandbox.S3Endpoint }
        $t = New-TableName
        Invoke-Psql "create table $t $tableSql" | Out-Null
        $err = $null
        1..5 | ForEach-Object { New-Row $_ } | Write-RedshiftTable -Table $t -Connection $staged -Method Staged -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -Match 'not authorized to assume IAM Role' -Because 'the connection''s role is not associated with the cluster'
        1..5 | ForEach-Object { New-Row $_ } | Write-RedshiftTable -Table $t -Connection $staged -Method Staged -CopyRoleArn $sandbox.CopyRoleArn
        Invoke-Psql "select count(*) from $t" | Should -Be '5'
        Get-StagedKey | Should -BeNullOrEmpty
        Disconnect-RedshiftIamra $staged
    }

    It 'refuses a -Staging key it does not know and a bad bucket name' {
        { $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault -Staging @{ Bucket = 'b-ok'; Role = 'x' } -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,*'
        { $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault -Staging @{ Bucket = 'Bad_Bucket' } -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftStagingInvalid,*'
    }

    It 'Save-RedshiftIamraConfig keeps the staging settings, and Connect-RedshiftIamra -ConfigName uses them' {
        $both = @{} + $session
        foreach ($key in $redshift.Keys) { $both[$key] = $redshift[$key] }
        $saved = Save-RedshiftIamraConfig -Name staged-etl -Thumbprint $sandbox.ClientCertificate.Thumbprint @both -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser stager -DbName dev `
            -RootCertificatePath $root -Staging @{ Bucket = $sandbox.StagingBucket; Prefix = $prefix.TrimEnd('/'); CopyRoleArn = $sandbox.CopyRoleArn; EndpointUrl = $sandbox.S3Endpoint } -PassThru
        $saved.Staging.Prefix | Should -Be $prefix -Because 'the prefix is saved as a folder'
        (Get-Content -Raw $configFile | ConvertFrom-Json).Configs.'staged-etl'.Staging.Bucket | Should -Be $sandbox.StagingBucket
        (Get-RedshiftIamraConfig -Name staged-etl).Staging.CopyRoleArn | Should -Be $sandbox.CopyRoleArn
        (Get-RedshiftIamraConfig -Name staged-etl | Format-List | Out-String -Width 400) | Should -Match ([regex]::Escape("Staging                  : s3://$($sandbox.StagingBucket)/$prefix, COPY role $($sandbox.CopyRoleArn)"))
        $fromConfig = Connect-RedshiftIamra -ConfigName staged-etl -NoDefault
        $fromConfig.Staging.Bucket | Should -Be $sandbox.StagingBucket
        $t = New-TableName
        Invoke-Psql "create table $t $tableSql" | Out-Null
        (1..20 | ForEach-Object { New-Row $_ } | Write-RedshiftTable -Table $t -Connection $fromConfig -Method Staged -PassThru).Method | Should -Be 'Staged'
        Invoke-Psql "select count(*) from $t" | Should -Be '20'
        Get-StagedKey | Should -BeNullOrEmpty
        Disconnect-RedshiftIamra $fromConfig
    }
}

Describe 'Write-RedshiftTable -Method Staged in a long job' {
    It 'finishes a staged load whose transaction outlives its 20-second database credential' {
        $short = Start-RedshiftIamraSandbox -Database -DbCredentialDurationSeconds 20
        try {
            $short.AddDatabaseUser('etl_user')
            $short.ExecuteSql('grant create on schema public to "IAM:etl_user"')
            $p = $short.CertificateParameters
            $sp = $short.SessionParameters
            $rp = $short.RedshiftParameters
            $shortConn = Get-IamraSession @p @sp | Get-RedshiftDbCredential @rp -ClusterIdentifier $short.ClusterIdentifier -DbUser etl_user |
                Connect-RedshiftIamra -RootCertificatePath $short.TlsCaBundlePath -NoDefault
            $shortPrefix = 'long/' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '/'
            $shortStaging = @{ StagingBucket = $short.StagingBucket; StagingPrefix = $shortPrefix; CopyRoleArn = $short.CopyRoleArn; S3EndpointUrl = $short.S3Endpoint }
            $t = New-TableName
            Invoke-RedshiftQuery -Connection $shortConn "create table $t $tableSql"
            $expiresAt = $shortConn.CredentialExpiration
            # The rows arrive over about 25 s, as from a slow source: the password the load logged in
            # with expires while its transaction is open and before its COPY runs.
            $result = 1..2500 | ForEach-Object { if ($_ % 100 -eq 0) { Start-Sleep -Milliseconds 1000 }; New-Row $_ } |
                Write-RedshiftTable -Connection $shortConn -Table $t -Method Staged @shortStaging -PassThru
            (Get-Date) | Should -BeGreaterThan $expiresAt -Because 'the load ran past the credential''s expiry'
            $result.Rows | Should -Be 2500
            $check = Invoke-RedshiftQuery -Connection $shortConn "select count(*) as n, sum(id) as s from $t"
            $check.n | Should -Be 2500
            $check.s | Should -Be 3126250
            @($short.S3.List($short.StagingBucket, $shortPrefix)).Count | Should -Be 0 -Because 'the staged parts and manifest are deleted after the COPY'
            Write-Host "      load ran $([int]((Get-Date) - $expiresAt).TotalSeconds) s past the password's expiry; $($short.CountCalls('GetClusterCredentials')) GetClusterCredentials calls"
            Disconnect-RedshiftIamra $shortConn
        } finally {
            Stop-RedshiftIamraSandbox $short
        }
    }

    BeforeAll {
        # A staged -Truncate load of $Rows pipeline rows into a table holding two old rows, in a
        # runspace of its own so that the test can press Ctrl+C (Stop()) while it runs.
        function Start-StoppableLoad([string] $Table, [int] $Rows) {
            Invoke-Psql "create table $Table $tableSql; insert into $Table (id, name) values (1, 'kept'), (2, 'kept')" | Out-Null
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                    param($c, $module, $table, $st, $rows)
                    Import-Module $module
                    1..$rows | ForEach-Object { [pscustomobject]@{ id = $_; name = "row $_"; amount = $_; at = [datetime] '2026-03-01'; ok = $true; note = 'n' } } |
                        Write-RedshiftTable -Connection $c -Table $table -Method Staged -Truncate @st
                }).AddArgument($conn).AddArgument($ModulePath).AddArgument($Table).AddArgument($staging).AddArgument($Rows)
            @{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
        }
        # Presses Ctrl+C, then checks what a stopped load must leave: the old rows, nothing staged.
        function Stop-LoadAndCheck($Load, [string] $Table, [string] $Because) {
            $Load.Handle.IsCompleted | Should -BeFalse -Because 'the load was still running when it was stopped'
            $stop = $Load.PowerShell.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne(60000) | Should -BeTrue -Because 'Stop() returns once the load has rolled back and cleaned up'
            $Load.PowerShell.EndStop($stop)
            $Load.PowerShell.Dispose()
            Invoke-Psql "select count(*), min(name) from $Table" | Should -Be '2|kept'
            Get-StagedKey | Should -BeNullOrEmpty -Because $Because
        }
    }

    It 'Stop() (Ctrl+C) in the middle of a staged -Truncate load leaves the old rows and nothing staged' {
        $t = New-TableName
        $before = $sandbox.GetAuditEvents().Count
        $load = Start-StoppableLoad $t 5000000
        # Wait until the load has probed the bucket (it has started staging), then press Ctrl+C.
        $deadline = (Get-Date).AddSeconds(60)
        while (-not (Get-StagedPut $before) -and (Get-Date) -lt $deadline -and -not $load.Handle.IsCompleted) { Start-Sleep -Milliseconds 200 }
        Get-StagedPut $before | Should -Not -BeNullOrEmpty -Because 'the load had started staging when it was stopped'
        Start-Sleep -Seconds 2
        Stop-LoadAndCheck $load $t -Because 'a stopped load deletes what it staged'
    }

    It 'Ctrl+C while a part''s upload is unanswered (S3 has stored it) leaves the old rows and nothing staged' {
        # The load's first PutObject is its write probe; every later one (its parts) is stored by
        # the sandbox's S3 and then not answered for two minutes.
        $firstPart = $sandbox.Faults.CallCount('PutObject') + 2
        $rule = $sandbox.Faults.ForCalls('s3:PutObject', $firstPart, [long]::MaxValue, $sandbox.GetType().Assembly.GetType('RedshiftIamra.Sandbox.SandboxFault')::DelayAnswerBy([timespan]::FromMinutes(2)))
        try {
            $t = New-TableName
            $load = Start-StoppableLoad $t 20000
            $deadline = (Get-Date).AddSeconds(90)
            while (-not (Get-StagedKey | Where-Object { $_ -like '*.csv.gz' }) -and (Get-Date) -lt $deadline -and -not $load.Handle.IsCompleted) { Start-Sleep -Milliseconds 200 }
            Get-StagedKey | Where-Object { $_ -like '*.csv.gz' } | Should -Not -BeNullOrEmpty -Because 'S3 stored a part whose upload the load is still waiting on'
            $rule.Hits | Should -BeGreaterThan 0
            # Well inside the two minutes the answer is held: Stop() cancels the upload, it does not wait for it.
            Stop-LoadAndCheck $load $t -Because 'the clean-up deletes the part S3 stored although its upload was never answered'
        } finally {
            $null = $sandbox.Faults.Remove($rule)
        }
    }
}
