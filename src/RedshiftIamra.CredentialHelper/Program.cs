using System.Reflection;
using RedshiftIamra;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Credentials;
using RedshiftIamra.Pkcs11;

// redshift-iamra-credential-process: what a credential_process profile runs when the module
// ships the native helper for the platform. Standard output gets the credential_process JSON
// and nothing else; every failure goes to standard error with exit code 1, and no message
// holds a secret (the engine's messages never do, and nothing here prints a value).
try
{
    var arguments = CredentialHelperArguments.Parse(args);
    if (arguments.Help)
    {
        Console.Out.WriteLine(CredentialHelperArguments.Usage);
        return 0;
    }

    if (arguments.Version)
    {
        var version = typeof(CredentialHelperArguments).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        Console.Out.WriteLine($"{CredentialHelperArguments.ExecutableName} {version.Split('+')[0]}");
        return 0;
    }

    var certificate = CertificateFinder.FindSingle(arguments.ToQuery(), arguments.Latest);
    var json = await CredentialProcess.GetJsonAsync(arguments.ToOptions(certificate), null, NullOperationLog.Instance, CancellationToken.None).ConfigureAwait(false);
    Console.Out.Write(json);
    Console.Out.Write('\n');
    Console.Out.Flush();
    return 0;
}
catch (IamraException e)
{
    Console.Error.WriteLine($"{CredentialHelperArguments.ExecutableName}: {e.ErrorId}: {e.Message}");
    return 1;
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Console.Error.WriteLine($"{CredentialHelperArguments.ExecutableName}: {e.GetType().Name}: {e.Message}");
    return 1;
}
finally
{
    // A token key: log out, close the session and finalise the PKCS#11 module before exiting.
    Pkcs11Tokens.Finish();
}
