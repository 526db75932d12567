# Write-RedshiftTable and Export-RedshiftQuery, driven through the built module against the
# sandbox's PostgreSQL over verified TLS. What was written is read back with psql (the
# PostgreSQL client, not this module); exports are compared with psql --csv.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    if (-not (Get-Command psql -ErrorAction SilentlyContinue)) { throw 'psql is not on PATH: the loading tests read the rows back with it.' }
    $sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
    $sandbox.AddDatabaseUser('loader')
    $sandbox.ExecuteSql('grant create on schema public to "IAM:loader"')
    $session = $sandbox.SessionParameters
    $redshift = $sandbox.RedshiftParameters
    $root = $sandbox.TlsCaBundlePath
    $credential = Get-IamraCertificate -Thumbprint $sandbox.ClientCertificate.Thumbprint | Get-IamraSession @session |
        Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser loader -DbName dev
    $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root

    # psql logs in as the same user with the same credential, in this process's environment.
    $psqlEnvironment = $credential | ConvertTo-RedshiftConnectionString -Format Environment -IncludePassword -RootCertificatePath $root
    Invoke-Expression $psqlEnvironment
    function Invoke-Psql([string] $Sql, [switch] $Csv) {
        $arguments = @('-X', '-v', 'ON_ERROR_STOP=1', '-c', $Sql) + $(if ($Csv) { @('--csv') } else { @('-A', '-t', '-F', '|') })
        $output = & psql @arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed: $output" }
        $output
    }
    function New-TableName { 't_' + [guid]::NewGuid().ToString('N').Substring(0, 10) }
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-loading-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Path $work | Out-Null
}

AfterAll {
    foreach ($name in 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSSLMODE', 'PGSSLROOTCERT', 'PGPASSWORD') { Remove-Item "env:$name" -ErrorAction SilentlyContinue }
    Disconnect-RedshiftIamra -All
    Stop-RedshiftIamraSandbox
    if ($work) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Write-RedshiftTable: the direct path' {
    It 'loads PSCustomObjects, hashtables and DataRows from the pipeline, mapping columns by name (any case)' {
        $t = New-TableName
        Invoke-Psql "create table $t (id int not null, name varchar(20), amount numeric(10,2), seen timestamp)" | Out-Null
        $result = @(
            [pscustomobject]@{ ID = 1; Name = "O'Brien, Jr."; Amount = 12.5; Seen = [datetime] '2026-01-02 03:04:05' }
            [pscustomobject]@{ ID = 2; Name = $null; Amount = 0; Seen = $null }
        ) | Write-RedshiftTable -Table $t -PassThru
        $result.Rows | Should -Be 2
        $result.Method | Should -Be 'Direct'
        @{ id = 3; name = 'hash'; amount = -1.25; seen = [datetime] '2026-12-31' } | Write-RedshiftTable -Table $t
        $dt = [System.Data.DataTable]::new()
        foreach ($c in 'id', 'name', 'amount') { $null = $dt.Columns.Add($c) }
        $null = $dt.Rows.Add(4, "line`nbreak", '7.75')
        $dt.Rows | Write-RedshiftTable -Table $t -Connection $conn
        Invoke-Psql "select id, coalesce(name, '<null>'), amount, coalesce(seen::text, '<null>') from $t order by id" |
            Should -Be @("1|O'Brien, Jr.|12.50|2026-01-02 03:04:05", '2|<null>|0.00|<null>', '3|hash|-1.25|2026-12-31 00:00:00', '4|line', 'break|7.75|<null>')
    }

    It 'loads a DataTable given as -InputObject and creates the table from its column types' {
        $t = New-TableName
        $dt = [System.Data.DataTable]::new()
        $null = $dt.Columns.Add('id', [int])
        $null = $dt.Columns.Add('price', [decimal])
        $null = $dt.Columns.Add('label', [string])
        $null = $dt.Columns.Add('day', [datetime])
        $null = $dt.Columns.Add('ok', [bool])
        foreach ($i in 1..250) { $null = $dt.Rows.Add($i, [decimal] $i / 4, "row $i", ([datetime] '2026-03-01').AddDays($i), ($i % 2 -eq 0)) }
        $result = Write-RedshiftTable -Table $t -InputObject $dt -CreateTable -BatchSize 100 -PassThru
        $result.Rows | Should -Be 250
        $result.Created | Should -BeTrue
        $result.Parts | Should -Be 3 -Because '250 rows in batches of 100 are 3 INSERT statements'
        Invoke-Psql "select count(*), sum(id), sum(price), count(*) filter (where ok), min(day)::date, max(label) from $t" | Should -Be '250|31375|7843.75|125|2026-03-02|row 99'
        $types = Invoke-Psql "select column_name || ' ' || data_type from information_schema.columns where table_name = '$t' order by ordinal_position"
        $types | Should -Be @('id integer', 'price numeric', 'label character varying', 'day timestamp without time zone', 'ok boolean')
    }

    It 'loads a gzip CSV file with -Path and -ColumnMap' {
        $t = New-TableName
        Invoke-Psql "create table $t (id int primary key, full_name varchar(50), note varchar(100))" | Out-Null
        $csv = Join-Path $work 'people.csv.gz'
        $text = "Id,Name,Note`n1,Ada,""quoted, with comma""`n2,Grace,""she said """"hi""""""`n3,Linus,`n"
        $file = [IO.File]::Create($csv)
        $gzip = [IO.Compression.GZipStream]::new($file, [IO.Compression.CompressionMode]::Compress)
        $bytes = [Text.Encoding]::UTF8.GetBytes($text)
        $gzip.Write($bytes, 0, $bytes.Length)
        $gzip.Dispose(); $file.Dispose()
        $result = Write-RedshiftTable -Table $t -Path $csv -ColumnMap @{ Name = 'full_name' } -PassThru
        $result.Rows | Should -Be 3
        Invoke-Psql "select id, full_name, coalesce(note, '<null>') from $t order by id" | Should -Be @('1|Ada|quoted, with comma', '2|Grace|she said "hi"', '3|Linus|')
    }

    It 'returns a summary with a table view' {
        $t = New-TableName
        $result = 1..5 | ForEach-Object { [pscustomobject]@{ n = $_ } } | Write-RedshiftTable -Table $t -CreateTable -PassThru
        $result.GetType().FullName | Should -Be 'RedshiftIamra.Loading.RedshiftLoadResult'
        $view = $result | Format-Table | Out-String
        $view | Should -Match 'Rows/s'
        $view | Should -Match "$t\s+5\s"
        $view | Should -Match 'created, loaded'
    }
}

Describe 'Write-RedshiftTable: -Truncate and -Upsert' {
    BeforeEach {
        $t = New-TableName
        Invoke-Psql "create table $t (id int not null, v varchar(10)); insert into $t values (1, 'old1'), (2, 'old2'), (3, 'old3')" | Out-Null
    }

    It '-Truncate replaces every row in the same transaction' {
        @([pscustomobject]@{ id = 10; v = 'new10' }, [pscustomobject]@{ id = 11; v = 'new11' }) | Write-RedshiftTable -Table $t -Truncate
        Invoke-Psql "select id, v from $t order by id" | Should -Be @('10|new10', '11|new11')
    }

    It '-Truncate with a bad row leaves the old rows in place' {
        $err = $null
        @([pscustomobject]@{ id = 10; v = 'ok' }, [pscustomobject]@{ id = 11; v = 'much too long' }) |
            Write-RedshiftTable -Table $t -Truncate -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftValueTooWide,*'
        Invoke-Psql "select id, v from $t order by id" | Should -Be @('1|old1', '2|old2', '3|old3')
    }

    It '-Upsert -Key replaces the rows with the same key and inserts the others' {
        @([pscustomobject]@{ id = 2; v = 'upd2' }, [pscustomobject]@{ id = 4; v = 'new4' }) | Write-RedshiftTable -Table $t -Upsert -Key id
        Invoke-Psql "select id, v from $t order by id" | Should -Be @('1|old1', '2|upd2', '3|old3', '4|new4')
    }

    It '-WhatIf writes nothing' {
        [pscustomobject]@{ id = 9; v = 'x' } | Write-RedshiftTable -Table $t -Truncate -WhatIf
        Invoke-Psql "select count(*) from $t" | Should -Be '3'
    }
}

Describe 'Write-RedshiftTable: bad input is refused before any data moves' {
    BeforeAll {
        $t = New-TableName
        Invoke-Psql "create table $t (id int not null, qty int, v varchar(5))" | Out-Null
        Invoke-Psql "insert into $t values (100, 1, 'keep')" | Out-Null
    }

    It 'names the row, the column and the value of a bad value in the middle, and the table is unchanged' {
        $err = $null
        # The first 1000 rows are held back to decide the path; the rest go out in batches of 50.
        $rows = 1..3000 | ForEach-Object { [pscustomobject]@{ id = $_; qty = $(if ($_ -eq 2437) { 'twelve' } else { $_ }); v = 'a' } }
        $rows | Write-RedshiftTable -Table $t -BatchSize 50 -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftValueNotConvertible,*'
        $err[0].Exception.Message | Should -Match 'Row 2437'
        $err[0].Exception.Message | Should -Match "column 'qty'"
        $err[0].Exception.Message | Should -Match 'twelve'
        $err[0].TargetObject.Row | Should -Be 2437
        Invoke-Psql "select count(*), max(id) from $t" | Should -Be '1|100' -Because 'the 48 batches sent before row 2437 were rolled back'
    }

    It 'refuses a missing table without -CreateTable' {
        { [pscustomobject]@{ id = 1 } | Write-RedshiftTable -Table no_such_table_here -ErrorAction Stop } |
            Should -Throw -ErrorId 'RedshiftTableNotFound,RedshiftIamra.PowerShell.Commands.WriteRedshiftTableCommand'
    }

    It 'refuses an input column the table does not have' {
        $e = { [pscustomobject]@{ id = 1; qty = 2; colour = 'red' } | Write-RedshiftTable -Table $t -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'RedshiftColumnNotInTable,*'
        $e.Exception.Message | Should -Match "'colour'"
    }

    It 'refuses input without a NOT NULL column' {
        { [pscustomobject]@{ qty = 2 } | Write-RedshiftTable -Table $t -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftColumnMissing,*'
    }

    It 'refuses an upsert key that is not loaded, and -Upsert without -Key' {
        { [pscustomobject]@{ id = 1; qty = 2 } | Write-RedshiftTable -Table $t -Upsert -Key v -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftInvalidUpsertKey,*'
        { [pscustomobject]@{ id = 1 } | Write-RedshiftTable -Table $t -Upsert -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftInvalidUpsertKey,*'
    }

    It 'refuses a file that is not CSV' {
        $bin = Join-Path $work 'not.csv'
        [IO.File]::WriteAllBytes($bin, [byte[]] (0, 1, 2, 3, 255, 0, 7))
        { Write-RedshiftTable -Table $t -Path $bin -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftFileNotCsv,*'
        Invoke-Psql "select count(*) from $t" | Should -Be '1'
    }

    It 'refuses -Method Staged without staging settings' {
        { [pscustomobject]@{ id = 1 } | Write-RedshiftTable -Table $t -Method Staged -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftStagingNotConfigured,*'
    }
}

Describe 'Export-RedshiftQuery: streamed through the connection' {
    BeforeAll {
        $t = New-TableName
        Invoke-Psql "create table $t (id int, name varchar(40), amount numeric(12,3), at timestamp, ok boolean, note varchar(40))" | Out-Null
        Invoke-Psql ("insert into $t select g, 'name ' || g, g * 1.125, timestamp '2026-01-01' + g * interval '61 seconds', g % 3 = 0, " +
            "case g % 4 when 0 then null when 1 then 'a,b' when 2 then 'say ""hi""' else E'two\nlines' end from generate_series(1, 20000) g") | Out-Null
        $query = "select id, name, amount, at, ok, note as ""Note, quoted"" from $t order by id"
    }

    It 'writes the same CSV as psql --csv for the same query' {
        $out = Join-Path $work 'export.csv'
        $result = Export-RedshiftQuery -Query $query -Path $out -PassThru
        $result.Rows | Should -Be 20000
        $result.Method | Should -Be 'Stream'
        $psqlFile = Join-Path $work 'psql.csv'
        & psql -X -v ON_ERROR_STOP=1 --csv -c $query -o $psqlFile
        $LASTEXITCODE | Should -Be 0
        [IO.File]::ReadAllText($out) | Should -BeExactly ([IO.File]::ReadAllText($psqlFile))
        ($result | Format-Table | Out-String) | Should -Match 'Stream\s+Csv\s+1\s'
    }

    It 'writes gzip when the path ends in .gz' {
        $out = Join-Path $work 'export.csv.gz'
        Export-RedshiftQuery "select id, name from $t where id <= 3 order by id" $out
        $gzip = [IO.Compression.GZipStream]::new([IO.File]::OpenRead($out), [IO.Compression.CompressionMode]::Decompress)
        $reader = [IO.StreamReader]::new($gzip)
        try { $reader.ReadToEnd() | Should -BeExactly "id,name`n1,name 1`n2,name 2`n3,name 3`n" } finally { $reader.Dispose() }
    }

    It 'keeps an existing file unless -Force, and leaves no file when the query fails' {
        $out = Join-Path $work 'kept.csv'
        Set-Content -Path $out -Value 'keep' -NoNewline
        { Export-RedshiftQuery 'select 1' -Path $out -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftExportFileExists,*'
        { Export-RedshiftQuery 'select 1 / 0' -Path $out -Force -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftExportFailed,*'
        Get-Content -Raw $out | Should -Be 'keep'
        @(Get-ChildItem $work -Filter '*.partial' -Force) | Should -BeNullOrEmpty
        Export-RedshiftQuery 'select 1 as one' -Path $out -Force -WhatIf
        Get-Content -Raw $out | Should -Be 'keep'
    }

    It 'refuses Parquet without UNLOAD, and -Method Unload without staging' {
        { Export-RedshiftQuery 'select 1' -Path (Join-Path $work 'p') -FileFormat Parquet -ExportMethod Stream -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftInvalidExport,*'
        { Export-RedshiftQuery 'select 1' -Path (Join-Path $work 'u.csv') -ExportMethod Unload -ErrorAction Stop } | Should -Throw -ErrorId 'RedshiftStagingNotConfigured,*'
    }
}
