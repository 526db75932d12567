using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Connections;

/// <summary>What a TLS handshake with a Redshift (PostgreSQL protocol) server showed.</summary>
public sealed record TlsProbeResult(
    bool Verified,
    string? ServerSubject,
    string? ServerIssuer,
    IReadOnlyList<string> ServerNames,
    bool NameMatches,
    string ChainStatus,
    string? Protocol,
    string Detail);

/// <summary>
/// Opens a TCP connection, asks the server for TLS the PostgreSQL way (SSLRequest), and
/// verifies its certificate against the given roots and host name, recording exactly what
/// did not match: the name, or the root. Used by the TLS stage of the connection check and to
/// explain a failed verification.
/// </summary>
public static class TlsProbe
{
    private static readonly byte[] s_sslRequest = { 0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F };

    public static async Task<TlsProbeResult> ProbeAsync(string host, int port, X509Certificate2Collection roots, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync(s_sslRequest, limit.Token).ConfigureAwait(false);
        var answer = new byte[1];
        if (await stream.ReadAsync(answer, limit.Token).ConfigureAwait(false) != 1 || answer[0] != (byte)'S')
        {
            return new TlsProbeResult(false, null, null, Array.Empty<string>(), false, "no TLS",
                null, $"{host}:{port} does not offer TLS (it answered '{(char)answer[0]}' to the TLS request). Redshift always offers TLS: check the host and port.");
        }

        X509Certificate2? seen = null;
        var sent = new X509Certificate2Collection();
        var errors = SslPolicyErrors.None;
        var chainStatus = "not checked";
        // The probe records what the server sent and verifies it below against the given roots and
        // host name, to report exactly what did not match; the handshake itself must not stop at it.
#pragma warning disable CA5359 // Verification is done below (chain and name), not in this callback.
        using var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, sslChain, policyErrors) =>
        {
            if (certificate is not null)
            {
                seen = new X509Certificate2(certificate);
            }

            // The intermediates the server sent (SslStream puts them in the chain's extra store).
            if (sslChain is not null)
            {
                foreach (var extra in sslChain.ChainPolicy.ExtraStore)
                {
                    sent.Add(new X509Certificate2(extra));
                }
            }

            errors = policyErrors;
            return true;
        });
#pragma warning restore CA5359
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, limit.Token).ConfigureAwait(false);
        if (seen is null)
        {
            return new TlsProbeResult(false, null, null, Array.Empty<string>(), false, "no certificate", ssl.SslProtocol.ToString(), $"{host}:{port} sent no certificate.");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ExtraStore.AddRange(sent);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        var chainOk = chain.Build(seen);
        chainStatus = chainOk ? "trusted" : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        var names = ServerNames(seen);
        var nameOk = (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
        var verified = chainOk && nameOk;
        string detail;
        if (verified)
        {
            detail = $"The server certificate {seen.Subject} (issued by {seen.Issuer}) is valid for {host} and chains to a trusted root.";
        }
        else if (!nameOk)
        {
            detail = $"The server certificate is for {string.Join(", ", names.DefaultIfEmpty(seen.Subject))}, not for '{host}'. Connect with a name the certificate covers (the cluster's endpoint name, not an IP address or a DNS alias).";
        }
        else
        {
            // Name the root that is missing: the top of the chain when it is self-signed, else its
            // issuer (a server sends no root, so the chain usually stops one short of it).
            var top = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate : seen;
            var selfSigned = top.SubjectName.RawData.AsSpan().SequenceEqual(top.IssuerName.RawData);
            var missing = selfSigned ? $"'{top.Subject}'" : $"'{top.Issuer}' (the issuer of {(ReferenceEquals(top, seen) || top.RawData.AsSpan().SequenceEqual(seen.RawData) ? "the server certificate" : top.Subject)})";
            var trusted = string.Join("; ", roots.Select(r => r.Subject));
            detail = $"The server certificate {seen.Subject} chains to {missing}, which is not among the trusted roots ({chainStatus}; trusted: {trusted}). Give that root with -RootCertificatePath, or check that nothing intercepts the connection.";
        }

        return new TlsProbeResult(verified, seen.Subject, seen.Issuer, names, nameOk, chainStatus, ssl.SslProtocol.ToString(), detail);
    }

    private static List<string> ServerNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
            }
        }

        return names;
    }

    /// <summary>Reads a PEM bundle of root certificates.</summary>
    public static X509Certificate2Collection LoadRoots(string path)
    {
        if (!File.Exists(path))
        {
            throw new IamraException(ErrorIds.Connection.RootCertificateNotFound, IamraErrorCategory.ObjectNotFound,
                $"The root certificate file '{path}' does not exist. Give -RootCertificatePath a PEM file of trusted roots.", path);
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        if (roots.Count == 0)
        {
            throw new IamraException(ErrorIds.Connection.RootCertificateNotFound, IamraErrorCategory.InvalidData,
                $"The root certificate file '{path}' holds no PEM certificate.", path);
        }

        return roots;
    }
}
