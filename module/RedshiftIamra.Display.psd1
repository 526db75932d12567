# The module's type and format data, imported by RedshiftIamra.psm1 (see there why not by the
# main manifest's TypesToProcess and FormatsToProcess).
@{
    ModuleVersion     = '0.1.0'
    GUID              = '0c7a4f52-1d8e-4b57-9a3e-6f2b8d4c1e90'
    TypesToProcess    = @('RedshiftIamra.Types.ps1xml')
    FormatsToProcess  = @('RedshiftIamra.Format.ps1xml')
    FunctionsToExport = @()
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
