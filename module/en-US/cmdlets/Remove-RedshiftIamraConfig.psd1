@{
    Synopsis    = 'Removes connection settings saved with Save-RedshiftIamraConfig; the other entries stay.'
    Description = @'
Remove-RedshiftIamraConfig removes the named entries from the user's configuration file. The file is rewritten atomically under a lock, keeps its owner-only permissions, and keeps every other entry as it is. A name that is not saved is the error RedshiftIamraConfigNotFound (non-terminating: the other names are still removed), which lists the saved names. -WhatIf shows what would be removed; -Confirm asks first.
'@
    Parameters  = @{
        Name = 'The names of the entries to remove (case ignored).'
    }
    Inputs      = @{
        'System.String'                     = 'Names, by value or by property name (Name, ConfigName).'
        'RedshiftIamra.RedshiftIamraConfig' = 'Entries from Get-RedshiftIamraConfig, by their Name.'
    }
    Outputs     = @{}
    Examples    = @(
        @{
            Title   = 'Remove one entry'
            Code    = 'Remove-RedshiftIamraConfig prod-etl'
            Remarks = 'Connect-RedshiftIamra -ConfigName prod-etl fails from now on with RedshiftIamraConfigNotFound.'
        }
        @{
            Title   = 'Remove the test entries'
            Code    = 'Get-RedshiftIamraConfig test-* | Remove-RedshiftIamraConfig -WhatIf'
            Remarks = 'Shows what would be removed; drop -WhatIf to remove them.'
        }
    )
    Notes       = 'The file itself stays, even when it holds no entry.'
    Links       = @('Save-RedshiftIamraConfig', 'Get-RedshiftIamraConfig')
}
