@{
    Synopsis    = 'Lists the connection settings saved with Save-RedshiftIamraConfig, or the ones named.'
    Description = @'
Get-RedshiftIamraConfig reads the user's configuration file ($env:REDSHIFTIAMRA_CONFIG, else %APPDATA%\RedshiftIamra\config.json on Windows and $XDG_CONFIG_HOME/RedshiftIamra/config.json or ~/.config/RedshiftIamra/config.json elsewhere) and returns its entries, sorted by name. Without -Name it returns every entry (none when the file does not exist). A name with wildcards returns the entries that match; a name without wildcards that is not saved is the error RedshiftIamraConfigNotFound, which lists the saved names.

Each entry shows how the certificate is found (Certificate), what it connects to (Target), the ARNs, region, endpoints, paths, the stack it was read from and when it was saved. The file never holds a secret.
'@
    Parameters  = @{
        Name = 'The names of the entries to return (wildcards allowed, case ignored); every entry when left out.'
    }
    Inputs      = @{
        'System.String' = 'Names, by value or by property name (Name, ConfigName).'
    }
    Outputs     = @{
        'RedshiftIamra.RedshiftIamraConfig' = 'A saved entry: Name, Certificate, Target, the ARNs, Region, endpoints, paths, StackName, SavedAt and ConfigPath.'
    }
    Examples    = @(
        @{
            Title   = 'List the saved settings'
            Code    = 'Get-RedshiftIamraConfig'
            Remarks = 'One line per entry: name, target, region, certificate, when it was saved.'
        }
        @{
            Title   = 'Everything about one entry'
            Code    = 'Get-RedshiftIamraConfig prod-etl | Format-List'
            Remarks = 'Shows every saved value.'
        }
    )
    Notes       = 'Use $env:REDSHIFTIAMRA_CONFIG to keep a job''s settings in a file of its own.'
    Links       = @('Save-RedshiftIamraConfig', 'Remove-RedshiftIamraConfig', 'Connect-RedshiftIamra')
}
