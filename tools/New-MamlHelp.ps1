<#
.SYNOPSIS
    Writes the module's MAML help file from the compiled cmdlets and the prose in
    module/en-US/cmdlets/<Cmdlet>.psd1.

.DESCRIPTION
    Syntax, parameter types, parameter sets, positions and pipeline binding come from
    the cmdlets themselves, so they cannot drift from the code. The prose (synopsis,
    description, one text per parameter, examples, notes, links) comes from one data file
    per cmdlet. A prose file that documents a parameter the cmdlet does not have, or a
    cmdlet without a prose file, fails the build.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SourcePath,
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)

function Write-Paragraphs([string] $Text) {
    foreach ($paragraph in ($Text.Trim() -split '\r?\n\s*\r?\n')) {
        $writer.WriteElementString('para', $maml, ($paragraph.Trim() -replace '\s*\r?\n\s*', ' '))
    }
}

function Write-Description([string] $Text) {
    $writer.WriteStartElement('description', $maml)
    Write-Paragraphs $Text
    $writer.WriteEndElement()
}

# <inputTypes>/<returnValues>: one typed, described entry per key of $Types.
function Write-TypeList([string] $ListName, [string] $ItemName, $Types) {
    $writer.WriteStartElement($ListName, $command)
    foreach ($entry in ($Types ?? @{}).GetEnumerator() | Sort-Object Key) {
        $writer.WriteStartElement($ItemName, $command)
        $writer.WriteStartElement('type', $dev)
        $writer.WriteElementString('name', $maml, $entry.Key)
        $writer.WriteEndElement()
        Write-Description $entry.Value
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()
}

function Get-TypeName([type] $Type) {
    if ($Type -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    return $Type.FullName
}

function Write-Parameter($Parameter, [string] $SetName, [string] $Text) {
    $set = if ($SetName) { $Parameter.ParameterSets[$SetName] } else { $null }
    if (-not $set) {
        $set = $Parameter.ParameterSets.Values | Select-Object -First 1
    }
    $pipeline = @()
    if ($set.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($set.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $pipelineText = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
    $position = if ($set.Position -ge 0) { [string] ($set.Position + 1) } else { 'named' }
    $globbing = [bool] ($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $isSwitch = $Parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]

    $writer.WriteStartElement('parameter', $command)
    $writer.WriteAttributeString('required', $set.IsMandatory.ToString().ToLowerInvariant())
    $writer.WriteAttributeString('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
    $writer.WriteAttributeString('globbing', $globbing.ToString().ToLowerInvariant())
    $writer.WriteAttributeString('pipelineInput', $pipelineText)
    $writer.WriteAttributeString('position', $position)
    $writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $writer.WriteElementString('name', $maml, $Parameter.Name)
    Write-Description $Text
    if (-not $isSwitch) {
        $writer.WriteStartElement('parameterValue', $command)
        $writer.WriteAttributeString('required', 'true')
        $writer.WriteAttributeString('variableLength', 'false')
        $writer.WriteString((Get-TypeName $Parameter.ParameterType))
        $writer.WriteEndElement()
    }
    $writer.WriteStartElement('type', $dev)
    $writer.WriteElementString('name', $maml, (Get-TypeName $Parameter.ParameterType))
    $writer.WriteEndElement()
    $writer.WriteEndElement()
}

$writer.WriteStartDocument()
$writer.WriteStartElement('helpItems', 'http://msh')
$writer.WriteAttributeString('schema', 'maml')

$cmdlets = $module.ExportedCmdlets.Values | Sort-Object Name
foreach ($cmdlet in $cmdlets) {
    if ($cmdlet.Name.StartsWith('_')) { continue }
    $sourceFile = Join-Path $SourcePath "$($cmdlet.Name).psd1"
    if (-not (Test-Path $sourceFile)) {
        throw "The cmdlet $($cmdlet.Name) has no help source: add $sourceFile."
    }
    $doc = Import-PowerShellDataFile $sourceFile
    # Shared parameter texts: Include = @('_Name') merges _Name.psd1's Parameters (the cmdlet's own win).
    foreach ($include in @($doc['Include'])) {
        if (-not $include) { continue }
        $shared = Import-PowerShellDataFile (Join-Path $SourcePath "$include.psd1")
        foreach ($entry in $shared.Parameters.GetEnumerator()) {
            if (-not $doc.Parameters.ContainsKey($entry.Key) -and $cmdlet.Parameters.ContainsKey($entry.Key)) {
                $doc.Parameters[$entry.Key] = $entry.Value
            }
        }
    }
    $parameters = $cmdlet.Parameters.Values | Where-Object { $_.Name -notin $common }
    $documented = @($doc.Parameters.Keys)
    $stale = $documented | Where-Object { $_ -notin $parameters.Name }
    if ($stale) {
        throw "$sourceFile documents parameters that $($cmdlet.Name) does not have: $($stale -join ', ')."
    }

    $writer.WriteStartElement('command', 'command', $command)
    $writer.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $writer.WriteAttributeString('xmlns', 'dev', $null, $dev)

    $writer.WriteStartElement('details', $command)
    $writer.WriteElementString('name', $command, $cmdlet.Name)
    Write-Description $doc.Synopsis
    $writer.WriteElementString('verb', $command, $cmdlet.Verb)
    $writer.WriteElementString('noun', $command, $cmdlet.Noun)
    $writer.WriteEndElement()

    Write-Description $doc.Description

    $writer.WriteStartElement('syntax', $command)
    foreach ($set in $cmdlet.ParameterSets) {
        $writer.WriteStartElement('syntaxItem', $command)
        $writer.WriteElementString('name', $maml, $cmdlet.Name)
        foreach ($p in $set.Parameters | Where-Object { $_.Name -notin $common } | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }, { -not $_.IsMandatory }) {
            Write-Parameter $cmdlet.Parameters[$p.Name] $set.Name ([string] $doc.Parameters[$p.Name])
        }
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('parameters', $command)
    foreach ($p in $parameters | Sort-Object Name) {
        Write-Parameter $p $null ([string] $doc.Parameters[$p.Name])
    }
    $writer.WriteEndElement()

    Write-TypeList 'inputTypes' 'inputType' $doc['Inputs']
    Write-TypeList 'returnValues' 'returnValue' $doc['Outputs']

    if ($doc.ContainsKey('Notes') -and $doc.Notes) {
        $writer.WriteStartElement('alertSet', $maml)
        $writer.WriteStartElement('alert', $maml)
        Write-Paragraphs $doc.Notes
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }

    $writer.WriteStartElement('examples', $command)
    $n = 0
    foreach ($example in $doc.Examples) {
        $n++
        $writer.WriteStartElement('example', $command)
        $writer.WriteElementString('title', $maml, "-------------------------- Example ${n}: $($example.Title) --------------------------")
        $writer.WriteElementString('code', $dev, $example.Code.Trim())
        $writer.WriteStartElement('remarks', $dev)
        Write-Paragraphs $example.Remarks
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('relatedLinks', $command)
    foreach ($link in @($doc.Links)) {
        $writer.WriteStartElement('navigationLink', $maml)
        $writer.WriteElementString('linkText', $maml, $link)
        $writer.WriteElementString('uri', $maml, '')
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteEndElement()
}

$writer.WriteEndElement()
$writer.WriteEndDocument()
$writer.Dispose()
