@{
    Synopsis    = 'Writes a database credential as a connection string for Npgsql, libpq (psql), JDBC or ODBC, or as PG* environment variables; always with full TLS verification.'
    Description = @'
ConvertTo-RedshiftConnectionString hands a RedshiftDbCredential to other tools on the same host: psql and anything libpq-based, dbt, a Python loader, JDBC or ODBC tools.

Every format asks for full TLS verification (verify-full) against the Amazon Trust Services roots that ship with the module, or -RootCertificatePath. The password is included only with -IncludePassword.

-Format Environment writes PowerShell statements that set PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE=verify-full and PGSSLROOTCERT (and PGPASSWORD with -IncludePassword), for: ... | Invoke-Expression. -Format PosixEnvironment writes the same as export statements for sh, bash or zsh (eval "$(...)").

Every value (user, password, database, paths) is quoted by the rules of the format that carries it, so no character in it can end the value or run as code: PowerShell single quotes (the typographic quotes U+2018 to U+201B, which PowerShell also reads as single quotes, are doubled too), POSIX single quotes, libpq quoting, ODBC braces, JDBC percent-encoding. A value the format cannot carry (NUL) is an error (IamraValueCannotBeQuoted).
'@
    Parameters  = @{
        Credential          = 'The database credential from Get-RedshiftDbCredential.'
        Format              = 'Npgsql (the default), Libpq, Jdbc, Odbc, Environment (PowerShell statements) or PosixEnvironment (sh export statements).'
        IncludePassword     = 'Includes the password in clear. Use it only to hand the credential to a process, never to write it to a file.'
        RootCertificatePath = 'A PEM file of the roots TLS verifies against; by default the Amazon Trust Services bundle in the module folder.'
    }
    Inputs      = @{
        'RedshiftIamra.RedshiftDbCredential' = 'The credential to convert.'
    }
    Outputs     = @{
        'System.String' = 'The connection string, or the statements for -Format Environment and PosixEnvironment.'
    }
    Examples    = @(
        @{
            Title   = 'psql with the credential'
            Code    = @'
Get-RedshiftDbCredential -Session $s -ClusterIdentifier my-redshift-cluster -DbUser analytics_user |
    ConvertTo-RedshiftConnectionString -Format Environment -IncludePassword | Invoke-Expression
psql -c 'select current_user'
'@
            Remarks = 'Sets PGHOST, PGUSER, PGPASSWORD, PGSSLMODE=verify-full and the root bundle for psql in this session.'
        }
        @{
            Title   = 'A JDBC URL without the password'
            Code    = '$credential | ConvertTo-RedshiftConnectionString -Format Jdbc'
            Remarks = 'The tool asks for (or is given) the password separately.'
        }
    )
    Notes       = 'With -IncludePassword the output holds a secret: pass it on, never save it.'
    Links       = @('Get-RedshiftDbCredential')
}
