using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RedshiftIamra.Certificates;
using RedshiftIamra.Quoting;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Aws;

/// <summary>What a <c>credential_process</c> line runs: this module's <c>ConvertTo-IamraCredentialProcess</c> for one certificate and role, through the per-user session cache.</summary>
public sealed record CredentialProcessSpec
{
    /// <summary>The PowerShell to run: pwsh, or the dotnet host and pwsh.dll.</summary>
    public required IReadOnlyList<string> PwshCommandLine { get; init; }

    /// <summary>The module manifest to import.</summary>
    public required string ModuleManifestPath { get; init; }

    public required CertificateQuery Query { get; init; }

    /// <summary>The certificate the query found now (for a PKCS#11 key, its URI names exactly that key).</summary>
    public required IamraCertificate Certificate { get; init; }

    public required RolesAnywhereSessionSource Source { get; init; }

    /// <summary>The store selector asked for the newest matching certificate.</summary>
    public bool Latest { get; init; }

    /// <summary>The Roles Anywhere endpoint was given explicitly (and must be passed on).</summary>
    public bool ExplicitEndpoint { get; init; }
}

/// <summary>
/// Builds the <c>credential_process</c> command line of an AWS config profile. The line is
/// read by botocore (<c>shlex.split</c> on Linux and macOS, its own C-runtime-rules splitter on
/// Windows), by the AWS SDKs (some through <c>sh -c</c> or <c>cmd.exe /c</c>) and finally by
/// PowerShell's parser, so every value goes through the quoting function of each: PowerShell
/// single quotes inside the script, then POSIX single quotes (or Windows double quotes) around
/// each word. Values no layer can carry (a line break, NUL, and on Windows <c>%</c> <c>!</c> <c>"</c>) are refused.
/// </summary>
public static class CredentialProcessCommand
{
    /// <summary>The PowerShell script the line runs.</summary>
    public static string Script(CredentialProcessSpec spec)
    {
        var query = spec.Query;
        var source = spec.Source;
        var script = new StringBuilder("$ErrorActionPreference = 'Stop'; Import-Module -Name ")
            .Append(PowerShellQuoting.SingleQuoted(spec.ModuleManifestPath, "module path"))
            .Append("; ConvertTo-IamraCredentialProcess");

        if (query.Pkcs11 is { } pkcs11)
        {
            // The identity found, as a URI (token, key label and id; no PIN), so the profile
            // names exactly the key checked now.
            Append("-Pkcs11Uri", spec.Certificate.Source, "PKCS#11 URI");
            if (pkcs11.LibraryPath is not null) Append("-Pkcs11Library", pkcs11.LibraryPath, "PKCS#11 library path");
            if (pkcs11.CertificatePath is not null) Append("-Path", pkcs11.CertificatePath, "certificate path");
        }
        else if (query.Path is not null)
        {
            Append("-Path", query.Path, "certificate path");
            if (query.PrivateKeyPath is not null) Append("-PrivateKeyPath", query.PrivateKeyPath, "private key path");
        }
        else
        {
            if (query.Thumbprint is not null)
            {
                Append("-Thumbprint", query.Thumbprint, "thumbprint");
            }
            else
            {
                if (query.Subject is not null) Append("-Subject", query.Subject, "subject");
                if (query.Issuer is not null) Append("-Issuer", query.Issuer, "issuer");
                if (query.SerialNumber is not null) Append("-SerialNumber", query.SerialNumber, "serial number");
                if (spec.Latest) script.Append(" -Latest");
            }

            if (query.StoreLocation != StoreLocation.CurrentUser) Append("-StoreLocation", query.StoreLocation.ToString(), "store location");
            if (!string.Equals(query.StoreName, "My", StringComparison.OrdinalIgnoreCase)) Append("-StoreName", query.StoreName, "store name");
        }

        if (query.ChainPath is not null) Append("-ChainPath", query.ChainPath, "chain path");
        Append("-TrustAnchorArn", source.TrustAnchorArn, "trust anchor ARN");
        Append("-ProfileArn", source.ProfileArn, "profile ARN");
        Append("-RoleArn", source.RoleArn, "role ARN");
        if (source.DurationSeconds != RolesAnywhereSessionSource.DefaultDuration) Append("-SessionDurationSeconds", source.DurationSeconds.ToString(CultureInfo.InvariantCulture), "duration");
        if (source.RoleSessionName is not null) Append("-RoleSessionName", source.RoleSessionName, "role session name");
        if (spec.ExplicitEndpoint) Append("-RolesAnywhereEndpointUrl", source.Endpoint.Uri.ToString(), "endpoint URL");
        if (source.Http.CaBundlePath is not null) Append("-CaBundlePath", source.Http.CaBundlePath, "CA bundle path");
        return script.ToString();

        void Append(string name, string value, string what)
        {
            // One INI line holds the whole command: no layer below can carry a line break.
            QuotingErrors.Refuse(value, what, "a credential_process line", c => c is '\r' or '\n' or '\0', "a line of the AWS config file cannot hold");
            script.Append(' ').Append(name).Append(' ').Append(PowerShellQuoting.SingleQuoted(value, what));
        }
    }

    /// <summary>The whole line, for this operating system's splitter.</summary>
    public static string Build(CredentialProcessSpec spec) => Build(spec, OperatingSystem.IsWindows());

    /// <summary>The whole line, for the Windows splitter (and <c>cmd.exe /c</c>) or for POSIX <c>shlex</c> and <c>sh -c</c>.</summary>
    public static string Build(CredentialProcessSpec spec, bool windows)
    {
        foreach (var word in spec.PwshCommandLine.Append(spec.ModuleManifestPath))
        {
            QuotingErrors.Refuse(word, "PowerShell or module path", "a credential_process line", c => c is '\r' or '\n' or '\0', "a line of the AWS config file cannot hold");
        }

        var words = spec.PwshCommandLine.Concat(new[] { "-NoProfile", "-NonInteractive", "-Command", Script(spec) }).ToList();
        return windows
            ? WindowsCommandLineQuoting.JoinCmdSafe(words, "credential_process argument")
            : PosixShellQuoting.Join(words, "credential_process argument");
    }

    /// <summary>The line that runs the native helper at <paramref name="helperPath"/> (no PowerShell), for this operating system's splitter.</summary>
    public static string BuildNative(string helperPath, CredentialProcessSpec spec) => BuildNative(helperPath, spec, OperatingSystem.IsWindows());

    /// <summary>
    /// The line that runs the native helper: its path, then <see cref="Credentials.CredentialHelperArguments.Words"/>,
    /// each word quoted for the Windows splitter (and <c>cmd.exe /c</c>) or for POSIX <c>shlex</c> and <c>sh -c</c>.
    /// </summary>
    public static string BuildNative(string helperPath, CredentialProcessSpec spec, bool windows)
    {
        ArgumentNullException.ThrowIfNull(helperPath);
        var words = new[] { helperPath }.Concat(Credentials.CredentialHelperArguments.Words(spec)).ToList();
        for (var i = 0; i < words.Count; i++)
        {
            // One INI line holds the whole command: no layer below can carry a line break. The
            // error names the value by its option (--ca-bundle-path: "CA bundle path").
            var what = i == 0 ? "helper path" : words[i - 1].StartsWith("--", StringComparison.Ordinal) ? OptionValueName(words[i - 1]) : "credential_process argument";
            QuotingErrors.Refuse(words[i], what, "a credential_process line", c => c is '\r' or '\n' or '\0', "a line of the AWS config file cannot hold");
        }

        return windows
            ? WindowsCommandLineQuoting.JoinCmdSafe(words, "credential_process argument")
            : PosixShellQuoting.Join(words, "credential_process argument");
    }

    /// <summary>What a helper option's value is, in words: <c>--ca-bundle-path</c> is "CA bundle path", <c>--path</c> "certificate path".</summary>
    internal static string OptionValueName(string option)
    {
        if (option == "--path")
        {
            return "certificate path";
        }

        return string.Join(' ', option.TrimStart('-').Split('-').Select(part => part switch
        {
            "ca" => "CA",
            "arn" => "ARN",
            "url" => "URL",
            "pkcs11" => "PKCS#11",
            "uri" => "URI",
            _ => part,
        }));
    }
}
