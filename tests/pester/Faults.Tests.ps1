# Every (API x fault) pair: either a recovery within the retry budget or a specific error
# within the configured timeout (plus a margin). Never a hang, never an unhandled exception.
# Prints the matrix, and leaves it for the scoreboard.
BeforeDiscovery {
    $faults = @(
        @{ Fault = 'throttle 429 x2'; Make = 'Throttle'; Arg = 429; Count = 2; Expect = 'recovered' }
        @{ Fault = 'throttle 400 always'; Make = 'Throttle'; Arg = 400; Count = 50; Expect = 'IamraThrottled' }
        @{ Fault = 'HTTP 500 x1'; Make = 'InternalError'; Count = 1; Expect = 'recovered' }
        @{ Fault = 'HTTP 503 always'; Make = 'ServiceUnavailable'; Count = 50; Expect = 'IamraServiceUnavailable' }
        @{ Fault = 'connection reset x1'; Make = 'Reset'; Count = 1; Expect = 'recovered' }
        @{ Fault = 'connection reset always'; Make = 'Reset'; Count = 50; Expect = 'IamraEndpointUnreachable' }
        @{ Fault = 'slower than the timeout x1'; Make = 'DelayBy'; Arg = '00:00:04'; Count = 1; Expect = 'recovered' }
        @{ Fault = 'slower than the timeout always'; Make = 'DelayBy'; Arg = '00:00:04'; Count = 50; Expect = 'IamraTimeout' }
        @{ Fault = 'truncated body'; Make = 'MalformedBody'; Arg = 'TruncatedJson'; Count = 50; Expect = 'IamraInvalidResponse' }
        @{ Fault = 'wrong types'; Make = 'MalformedBody'; Arg = 'WrongTypes'; Count = 50; Expect = 'IamraInvalidResponse' }
        @{ Fault = 'missing fields'; Make = 'MalformedBody'; Arg = 'MissingFields'; Count = 50; Expect = 'IamraInvalidResponse' }
        @{ Fault = 'empty body'; Make = 'MalformedBody'; Arg = 'EmptyBody'; Count = 50; Expect = 'IamraInvalidResponse' }
        @{ Fault = 'server clock 20 min off'; Make = 'ShiftClock'; Arg = '00:20:00'; Count = 50; Expect = 'recovered' }
    )
    $script:cells = foreach ($api in 'CreateSession', 'GetClusterCredentials', 'GetCredentials') {
        foreach ($fault in $faults) { $fault + @{ Api = $api } }
        if ($api -eq 'CreateSession') { @{ Api = $api; Fault = 'empty credentialSet'; Make = 'MalformedBody'; Arg = 'EmptyCredentialSet'; Count = 50; Expect = 'IamraInvalidResponse' } }
        else { @{ Api = $api; Fault = 'ExpiredToken x1'; Make = 'ExpiredToken'; Count = 1; Expect = 'recovered' } }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox -Database
    $sandbox.AddDatabaseUser('faults_user')
    $faultType = $sandbox.GetType().Assembly.GetType('RedshiftIamra.Sandbox.SandboxFault')
    $malformedType = $sandbox.GetType().Assembly.GetType('RedshiftIamra.Sandbox.SandboxMalformedBody')
    $p = $sandbox.CertificateParameters
    $s = $sandbox.SessionParameters
    $r = $sandbox.RedshiftParameters
    $timeout = 2
    $session = Get-IamraSession @p @s
    $matrix = [System.Collections.Generic.List[object]]::new()

    function New-Fault([string] $Make, $Arg) {
        switch ($Make) {
            'Throttle' { $faultType::Throttle([int] $Arg) }
            'DelayBy' { $faultType::DelayBy([TimeSpan] $Arg) }
            'ShiftClock' { $faultType::ShiftClock([TimeSpan] $Arg) }
            'MalformedBody' { $faultType::MalformedBody([Enum]::Parse($malformedType, $Arg)) }
            default { $faultType::$Make() }
        }
    }

    function Invoke-Api([string] $Api) {
        switch ($Api) {
            'CreateSession' { Get-IamraSession @p @s -Force -SessionOption (New-IamraSessionOption -TimeoutSeconds $timeout) -ErrorAction Stop }
            'GetClusterCredentials' { $session | Get-RedshiftDbCredential @r -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser faults_user -Force -SessionOption (New-IamraSessionOption -TimeoutSeconds $timeout) -ErrorAction Stop }
            'GetCredentials' { $session | Get-RedshiftDbCredential @r -WorkgroupName $sandbox.WorkgroupName -Force -SessionOption (New-IamraSessionOption -TimeoutSeconds $timeout) -ErrorAction Stop }
        }
    }
}

AfterAll {
    $matrix | Format-Table Api, Fault, Expected, Outcome, @{ Name = 'Seconds'; Expression = { '{0:N1}' -f $_.Seconds }; Align = 'Right' } -AutoSize | Out-String -Width 200 | Write-Host
    if ($env:REDSHIFTIAMRA_SCOREBOARD) {
        $matrix | ConvertTo-Json | Set-Content (Join-Path $env:REDSHIFTIAMRA_SCOREBOARD 'faults.json')
    }
    Stop-RedshiftIamraSandbox
}

Describe 'Fault injection' {
    It '<Api> with <Fault> → <Expect>' -ForEach $cells {
        $sandbox.Faults.Clear()
        $null = $sandbox.InjectFault($Api, (New-Fault $Make $Arg), $Count)
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $outcome = try {
            $null = Invoke-Api $Api
            'recovered'
        } catch {
            $_.FullyQualifiedErrorId.Split(',')[0]
        } finally {
            $sandbox.Faults.Clear()
        }
        $seconds = $clock.Elapsed.TotalSeconds
        $matrix.Add([pscustomobject]@{ Api = $Api; Fault = $Fault; Expected = $Expect; Outcome = $outcome; Seconds = $seconds })
        $outcome | Should -Be $Expect
        # 4 attempts of at most $timeout s each, backoff of at most 5 s between them, and a margin.
        $seconds | Should -BeLessThan (4 * $timeout + 3 * 5 + 5) -Because 'nothing may hang'
    }
}
