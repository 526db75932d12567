using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// The sandbox's certificates, made in memory at start (ECDSA P-256, fast): a TLS root CA
/// and the server certificate it signed (localhost, 127.0.0.1, ::1), and an organisation
/// root CA (the trust anchor) with an intermediate CA that signs client certificates.
/// </summary>
public sealed class SandboxPki : IDisposable
{
    public const string TlsCaFileName = "tls-ca.pem";
    public const string OrgCaFileName = "org-ca.pem";
    public const string OrgIntermediateFileName = "org-intermediate.pem";

    private readonly TimeProvider _clock;

    private SandboxPki(TimeProvider clock, SandboxCertificateAuthority tlsRoot, X509Certificate2 serverCertificate, SandboxCertificateAuthority orgRoot, SandboxCertificateAuthority orgIntermediate)
    {
        _clock = clock;
        TlsRoot = tlsRoot;
        ServerCertificate = serverCertificate;
        OrgRoot = orgRoot;
        OrgIntermediate = orgIntermediate;
    }

    /// <summary>The root CA of the sandbox's HTTPS certificate (give it as CaBundlePath / AWS_CA_BUNDLE).</summary>
    public SandboxCertificateAuthority TlsRoot { get; }

    /// <summary>The HTTPS server certificate, with its key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The organisation's root CA: the default trust anchor's certificate.</summary>
    public SandboxCertificateAuthority OrgRoot { get; }

    /// <summary>The organisation's intermediate CA, which signs client certificates by default.</summary>
    public SandboxCertificateAuthority OrgIntermediate { get; }

    /// <summary>Makes every CA and the server certificate. <paramref name="clock"/> dates the organisation's certificates; TLS uses the real time (clients check it against theirs).</summary>
    public static SandboxPki Create(TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        var now = clock.GetUtcNow();
        var tlsRoot = SandboxCertificateAuthority.CreateRoot("CN=RedshiftIamra Sandbox TLS Root CA, O=RedshiftIamra Sandbox");
        var server = tlsRoot.IssueServerCertificate(DateTimeOffset.UtcNow);
        var orgRoot = SandboxCertificateAuthority.CreateRoot("CN=RedshiftIamra Sandbox Org Root CA, O=RedshiftIamra Sandbox Org", now: now);
        var intermediate = orgRoot.CreateIntermediate("CN=RedshiftIamra Sandbox Org Issuing CA, O=RedshiftIamra Sandbox Org", now: now);
        return new SandboxPki(clock, tlsRoot, server, orgRoot, intermediate);
    }

    /// <summary>Issues a client certificate signed by the intermediate (default) or the root.</summary>
    public SandboxClientCertificate IssueClientCertificate(SandboxCertificateRequest? request = null)
    {
        request ??= new SandboxCertificateRequest();
        var issuer = request.Issuer == SandboxIssuer.Root ? OrgRoot : OrgIntermediate;
        return issuer.Issue(request, _clock.GetUtcNow());
    }

    /// <summary>Writes <c>tls-ca.pem</c>, <c>org-ca.pem</c> and <c>org-intermediate.pem</c>.</summary>
    public void WriteCaFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        SandboxKeys.WriteFile(Path.Combine(directory, TlsCaFileName), TlsRoot.CertificatePem + "\n", secret: false);
        SandboxKeys.WriteFile(Path.Combine(directory, OrgCaFileName), OrgRoot.CertificatePem + "\n", secret: false);
        SandboxKeys.WriteFile(Path.Combine(directory, OrgIntermediateFileName), OrgIntermediate.CertificatePem + "\n", secret: false);
    }

    public void Dispose()
    {
        ServerCertificate.Dispose();
        OrgIntermediate.Dispose();
        OrgRoot.Dispose();
        TlsRoot.Dispose();
    }
}
