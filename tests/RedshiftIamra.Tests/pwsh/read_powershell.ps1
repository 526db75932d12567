# Reads what our quoting functions wrote the way PowerShell reads it.
# Input (file named by the first argument): a JSON list of {"kind": ..., "text": ...}.
# Output: a JSON list of results, one per input, each {"ok": value} or {"error": "..."}.
#   literal  the text must parse as exactly one single-quoted string constant: its value
#   script   the text is parsed; the result lists the commands it would run and, for each,
#            the constant value of every parameter argument (an argument that is not a
#            constant string, such as a sub-expression, is reported as an error)
#   env      the text is run with Invoke-Expression in a fresh runspace; the values of the
#            PG* environment variables afterwards
param([string] $InputPath)
$ErrorActionPreference = 'Stop'
$items = Get-Content -Raw -LiteralPath $InputPath | ConvertFrom-Json -NoEnumerate
$results = foreach ($item in $items) {
    try {
        $tokens = $null; $errors = $null
        if ($item.kind -eq 'env') {
            $ps = [powershell]::Create()
            foreach ($name in 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE', 'PGSSLROOTCERT') { [Environment]::SetEnvironmentVariable($name, $null) }
            $null = $ps.AddCommand('Invoke-Expression').AddParameter('Command', $item.text).Invoke()
            if ($ps.HadErrors) { @{ error = ($ps.Streams.Error | ForEach-Object ToString) -join '; ' } ; $ps.Dispose(); continue }
            $ps.Dispose()
            $values = [ordered]@{}
            foreach ($name in 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE', 'PGSSLROOTCERT') {
                $value = [Environment]::GetEnvironmentVariable($name)
                if ($null -ne $value) { $values[$name] = $value }
            }
            @{ ok = $values }
            continue
        }
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($item.text, [ref] $tokens, [ref] $errors)
        if ($errors.Count -gt 0) { @{ error = ($errors | ForEach-Object Message) -join '; ' }; continue }
        if ($item.kind -eq 'literal') {
            $statements = $ast.EndBlock.Statements
            $expression = if ($statements.Count -eq 1 -and $statements[0] -is [System.Management.Automation.Language.PipelineAst] -and $statements[0].PipelineElements.Count -eq 1) { $statements[0].PipelineElements[0].Expression }
            if ($expression -isnot [System.Management.Automation.Language.StringConstantExpressionAst] -or $expression.StringConstantType -ne 'SingleQuoted') {
                @{ error = "not one single-quoted string: $($ast.EndBlock.Statements.Count) statement(s)" }
                continue
            }
            @{ ok = $expression.Value }
            continue
        }
        # script: every command and its arguments
        $commands = foreach ($command in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            $words = foreach ($element in $command.CommandElements) {
                if ($element -is [System.Management.Automation.Language.CommandParameterAst]) { '-' + $element.ParameterName }
                elseif ($element -is [System.Management.Automation.Language.StringConstantExpressionAst]) { $element.Value }
                else { throw "not a constant: $($element.Extent.Text)" }
            }
            , @($words)
        }
        $assignments = foreach ($a in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true)) { $a.Extent.Text }
        @{ ok = @{ commands = @($commands); assignments = @($assignments); statements = $ast.EndBlock.Statements.Count } }
    }
    catch {
        @{ error = $_.Exception.Message }
    }
}
ConvertTo-Json -InputObject @($results) -Depth 10 -Compress
