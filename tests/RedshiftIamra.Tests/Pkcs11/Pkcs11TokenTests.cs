using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Pkcs11Uri = RedshiftIamra.Pkcs11.Pkcs11Uri;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Pkcs11;
using RedshiftIamra.Pkcs11.Native;
using RedshiftIamra.Sessions;
using RedshiftIamra.Signing;
using RedshiftIamra.Tests.Signing;

namespace RedshiftIamra.Tests.Pkcs11;

/// <summary>Identities, signatures and sessions from keys inside a SoftHSM2 token.</summary>
[Collection(SoftHsmCollection.Name)]
public sealed class Pkcs11TokenTests(SoftHsmFixture hsm)
{
    private Pkcs11Query Query(string? keyLabel = null, byte[]? keyId = null, string token = SoftHsmFixture.Token, string? pin = SoftHsmFixture.Pin) => new()
    {
        LibraryPath = hsm.Library,
        TokenLabel = token,
        KeyLabel = keyLabel,
        KeyId = keyId,
        Pin = pin is null ? null : Secure(pin),
    };

    private static IReadOnlyList<IamraCertificate> Find(Pkcs11Query query, string? chainPath = null) =>
        CertificateFinder.FindCandidates(new CertificateQuery { Pkcs11 = query, ChainPath = chainPath });

    private IamraCertificate One(string label) => CertificateFinder.FindSingle(new CertificateQuery { Pkcs11 = Query(label) });

    [Fact]
    public void Lists_every_key_with_a_certificate_on_the_token_with_label_id_subject_and_source()
    {
        var identities = Find(Query());

        Assert.Equal(["p256", "p384", "rsa"], identities.Select(i => i.KeyLabel));
        Assert.Equal(["02", "03", "01"], identities.Select(i => i.KeyId));
        Assert.All(identities, i =>
        {
            Assert.True(i.Usable, i.Reason);
            Assert.True(i.HasPrivateKey);
            Assert.False(i.Certificate.HasPrivateKey); // the key stays in the token
            Assert.Equal(SoftHsmFixture.Token, i.TokenLabel);
            Assert.IsType<Pkcs11SigningKey>(i.SigningKey);
            Assert.Equal(hsm.Certificates[i.KeyLabel!].Thumbprint, i.Thumbprint);
            Assert.Equal($"pkcs11:token={SoftHsmFixture.Token};object={i.KeyLabel};id=%{i.KeyId!.ToUpperInvariant()};type=private?module-path={hsm.Library}", i.Source);
            Assert.DoesNotContain("pin", i.Source, StringComparison.OrdinalIgnoreCase);
            // The issuing CA is on the token too: it goes into X-Amz-X509-Chain.
            Assert.Equal([hsm.Sandbox.Pki.OrgIntermediate.Certificate.Thumbprint], i.Chain.Select(c => c.Thumbprint));
        });
        Assert.Equal(["ECDSA", "ECDSA", "RSA"], identities.Select(i => i.KeyAlgorithm));
        Assert.Equal(["P-256", "P-384", null], identities.Select(i => i.Curve));
        Assert.Equal(["CN=pkcs11-p256, O=RedshiftIamra Tests", "CN=pkcs11-p384, O=RedshiftIamra Tests", "CN=pkcs11-rsa, O=RedshiftIamra Tests"], identities.Select(i => i.Subject));
    }

    [Fact]
    public void A_uri_with_object_or_id_selects_one_identity_and_its_source_finds_it_again()
    {
        var byLabel = CertificateFinder.FindSingle(new CertificateQuery { Pkcs11 = Pkcs11Query.FromUri(Pkcs11Uri.Parse($"pkcs11:token={SoftHsmFixture.Token};object=p384?pin-value={SoftHsmFixture.Pin}&module-path={hsm.Library}")) });
        Assert.Equal("p384", byLabel.KeyLabel);

        var byId = CertificateFinder.FindSingle(new CertificateQuery { Pkcs11 = Query(keyId: [0x01]) });
        Assert.Equal("rsa", byId.KeyLabel);

        // object= may name the certificate's label as well as the key's; Source is reusable as is.
        var again = CertificateFinder.FindSingle(new CertificateQuery { Pkcs11 = Pkcs11Query.FromUri(Pkcs11Uri.Parse(byId.Source)) with { Pin = Secure(SoftHsmFixture.Pin) } });
        Assert.Equal(byId.Thumbprint, again.Thumbprint);
    }

    [Fact]
    public void Several_identities_for_one_session_is_an_ambiguity_that_names_each_uri()
    {
        var e = Assert.Throws<IamraException>(() => CertificateFinder.FindSingle(new CertificateQuery { Pkcs11 = Query() }));
        Assert.Equal(ErrorIds.Certificate.Ambiguous, e.ErrorId);
        Assert.Contains("object=p256", e.Message);
        Assert.Contains("object=rsa", e.Message);
        Assert.Contains("object=<label> or id=<id>", e.Message);
    }

    [Theory]
    [InlineData("rsa", "CKM_SHA256_RSA_PKCS", "rsa", 2048, null)]
    [InlineData("p256", "CKM_ECDSA", "ec", 256, "secp256r1")]
    [InlineData("p384", "CKM_ECDSA", "ec", 384, "secp384r1")]
    public void Signs_inside_the_token_and_Python_cryptography_verifies_it(string label, string mechanism, string keyType, int keySize, string? curve)
    {
        var identity = One(label);
        using var provider = new X509SignatureProvider(identity.Certificate, identity.Chain, identity.SigningKey);
        var before = hsm.CountMechanism(mechanism);
        var stringToSign = $"AWS4-X509-{(keyType == "rsa" ? "RSA" : "ECDSA")}-SHA256\n20261126T200000Z\n20261126/us-east-1/rolesanywhere/aws4_request\n{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(label))).ToLowerInvariant()}";

        var signature = provider.Sign(stringToSign, "20261126", "us-east-1", "rolesanywhere");

        Assert.Equal(before + 1, hsm.CountMechanism(mechanism)); // the token signed, with that mechanism
        var verdict = Verify(identity.Certificate, stringToSign, signature);
        Assert.True(verdict.ExitCode == 0, verdict.Stdout + verdict.Stderr);
        using var json = JsonDocument.Parse(verdict.Stdout);
        Assert.Equal(keyType, json.RootElement.GetProperty("key_type").GetString());
        Assert.Equal(keySize, json.RootElement.GetProperty("key_size").GetInt32());
        if (curve is not null)
        {
            Assert.Equal(curve, json.RootElement.GetProperty("curve").GetString());
            Assert.Equal(0x30, Convert.FromHexString(signature)[0]); // DER, not r||s
        }

        Assert.Equal(1, Verify(identity.Certificate, stringToSign + "x", signature).ExitCode);
    }

    [Fact]
    public void Rsa_over_a_DigestInfo_with_CKM_RSA_PKCS_is_the_same_PKCS1_v15_SHA256_signature()
    {
        // The fallback for tokens without CKM_SHA256_RSA_PKCS: the host hashes and wraps the digest.
        var identity = One("rsa");
        var key = (Pkcs11SigningKey)identity.SigningKey!;
        var data = Encoding.UTF8.GetBytes("AWS4-X509-RSA-SHA256\nfallback");
        var viaRsaPkcs = key.Token.Use(session =>
        {
            var handle = key.HandleIn(session, -1);
            return session.Sign(CKM.CKM_RSA_PKCS, handle, Pkcs11Token.Sha256DigestInfo(data));
        });

        Assert.Equal(key.SignSha256(data), viaRsaPkcs); // PKCS#1 v1.5 is deterministic
        var verdict = Verify(identity.Certificate, "AWS4-X509-RSA-SHA256\nfallback", Convert.ToHexString(viaRsaPkcs).ToLowerInvariant());
        Assert.True(verdict.ExitCode == 0, verdict.Stdout + verdict.Stderr);
    }

    [Fact]
    public void Signatures_from_many_threads_share_the_one_token_session()
    {
        var identity = One("p256");
        var key = identity.SigningKey!;
        using var publicKey = identity.Certificate.GetECDsaPublicKey()!;
        var opened = hsm.CountCalls("C_OpenSession");

        var results = new byte[16][];
        Parallel.For(0, results.Length, i => results[i] = key.SignSha256(Encoding.UTF8.GetBytes($"message {i}")));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(publicKey.VerifyData(Encoding.UTF8.GetBytes($"message {i}"), results[i], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }

        Assert.Equal(opened, hsm.CountCalls("C_OpenSession"));
    }

    [Theory]
    [InlineData("rsa", "AWS4-X509-RSA-SHA256")]
    [InlineData("p256", "AWS4-X509-ECDSA-SHA256")]
    [InlineData("p384", "AWS4-X509-ECDSA-SHA256")]
    public async Task A_sandbox_session_is_signed_in_the_token_and_renewed_without_logging_in_again(string label, string algorithm)
    {
        var identity = One(label);
        var token = ((Pkcs11SigningKey)identity.SigningKey!).Token;
        var source = RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = identity,
            TrustAnchorArn = hsm.Sandbox.TrustAnchorArn,
            ProfileArn = hsm.Sandbox.ProfileArn,
            RoleArn = hsm.Sandbox.RoleArn,
            EndpointUrl = hsm.Sandbox.RolesAnywhereEndpoint,
            Http = new AwsHttpSettings { CaBundlePath = hsm.Sandbox.TlsCaBundlePath },
            RoleSessionName = $"pkcs11-{label}",
        });
        Assert.Contains($"key in PKCS#11 token '{SoftHsmFixture.Token}'", source.CertificateDescription);
        var logins = hsm.CountCalls("C_Login");
        var sessions = hsm.CountCalls("C_OpenSession");
        var signs = hsm.CountCalls("C_SignInit");

        var first = await source.GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);
        var renewed = await source.GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);

        Assert.StartsWith("ASIA", first.AccessKeyId);
        Assert.NotEqual(first.AccessKeyId, renewed.AccessKeyId);
        var audit = hsm.Sandbox.Audit.Find("CreateSession", "Success").Where(e => e.SerialNumber == identity.SerialNumberDecimal).ToList();
        Assert.Equal(2, audit.Count);
        Assert.Contains(audit, e => e.AccessKeyId == renewed.AccessKeyId);
        Assert.Equal(2, hsm.CountCalls("C_SignInit") - signs);
        Assert.Equal(logins, hsm.CountCalls("C_Login"));      // logged in once, before
        Assert.Equal(sessions, hsm.CountCalls("C_OpenSession")); // one session, reused
        Assert.True(token.IsLoggedIn);
        Assert.Equal(algorithm, new X509SignatureProvider(identity.Certificate, identity.Chain, identity.SigningKey).Algorithm);
    }

    [Fact]
    public void A_session_the_token_dropped_is_reopened_and_logged_in_again_with_the_PIN_that_worked()
    {
        var identity = One("p384");
        var key = (Pkcs11SigningKey)identity.SigningKey!;
        var logins = key.Token.LoginAttempts;

        // Close every session of the slot behind the module's back (as a token reset would).
        var library = Pkcs11Library.Load(hsm.Library, "test");
        library.Module.CloseAllSessions(library.Module.GetSlotsWithToken().Single(s => library.Module.GetTokenInfo(s).Label == SoftHsmFixture.Token));

        var signature = key.SignSha256("after a reset"u8.ToArray());

        using var publicKey = identity.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData("after a reset"u8, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(logins + 1, key.Token.LoginAttempts);
    }

    [Fact]
    public void A_certificate_file_beside_the_token_pairs_with_its_key()
    {
        var identity = Assert.Single(Find(Query("orphan") with { CertificatePath = hsm.OrphanCertificatePath }));
        Assert.True(identity.Usable, identity.Reason);
        Assert.Equal("09", identity.KeyId);
        Assert.Equal("CN=pkcs11-orphan, O=RedshiftIamra Tests", identity.Subject);
        using var publicKey = identity.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData("x"u8, identity.SigningKey!.SignSha256("x"u8.ToArray()), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        // Without the file, the key has no certificate: listing leaves it out, naming it is an error.
        Assert.DoesNotContain(Find(Query()), i => i.KeyLabel == "orphan");
        var e = Assert.Throws<IamraException>(() => Find(Query("orphan")));
        Assert.Equal(ErrorIds.Pkcs11.CertificateNotFound, e.ErrorId);
        Assert.Contains("'orphan' (id 09)", e.Message);
        Assert.Contains("-CertificatePath", e.Message);
    }

    [Fact]
    public void A_certificate_file_of_another_key_is_refused()
    {
        var e = Assert.Throws<IamraException>(() => Find(Query("rsa") with { CertificatePath = hsm.P384CertificatePath }));
        Assert.Equal(ErrorIds.Pkcs11.KeyMismatch, e.ErrorId);
        Assert.Contains("public keys differ", e.Message);
    }

    [Fact]
    public void An_unknown_token_label_lists_the_tokens_there_are()
    {
        var e = Assert.Throws<IamraException>(() => Find(Query(token: "no-such-token")));
        Assert.Equal(ErrorIds.Pkcs11.TokenNotFound, e.ErrorId);
        Assert.Equal(IamraErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains($"'{SoftHsmFixture.Token}'", e.Message);
        Assert.Contains($"'{SoftHsmFixture.PinToken}'", e.Message);
    }

    [Fact]
    public void An_unknown_key_label_or_id_lists_the_keys_there_are()
    {
        var e = Assert.Throws<IamraException>(() => Find(Query("no-such-key")));
        Assert.Equal(ErrorIds.Pkcs11.KeyNotFound, e.ErrorId);
        Assert.Contains("'rsa' (id 01)", e.Message);
        Assert.Contains("'p256' (id 02)", e.Message);

        e = Assert.Throws<IamraException>(() => Find(Query(keyId: [0x7f])));
        Assert.Equal(ErrorIds.Pkcs11.KeyNotFound, e.ErrorId);
        Assert.Contains("id 7f", e.Message);
    }

    [Fact]
    public void A_library_that_is_missing_or_not_a_PKCS11_module_is_named_as_such()
    {
        var missing = Assert.Throws<IamraException>(() => Find(Query() with { LibraryPath = "/nonexistent/libpkcs11.so" }));
        Assert.Equal(ErrorIds.Pkcs11.LibraryNotFound, missing.ErrorId);
        Assert.Contains("/nonexistent/libpkcs11.so", missing.Message);

        // A real shared library of the runtime that exports no C_GetFunctionList.
        var notPkcs11 = Directory.GetFiles(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "libSystem.Native.*").First();
        var invalid = Assert.Throws<IamraException>(() => Find(Query() with { LibraryPath = notPkcs11 }));
        Assert.Equal(ErrorIds.Pkcs11.LibraryInvalid, invalid.ErrorId);
        Assert.Contains("C_GetFunctionList", invalid.Message);
    }

    [Fact]
    public void The_library_comes_from_the_parameter_then_the_environment_variable_then_p11_kit_proxy()
    {
        var saved = (Environment.GetEnvironmentVariable(Pkcs11Library.ModuleEnvironmentVariable), Pkcs11Library.DefaultCandidates);
        try
        {
            Environment.SetEnvironmentVariable(Pkcs11Library.ModuleEnvironmentVariable, hsm.SoftHsmLibrary);
            Pkcs11Library.DefaultCandidates = [hsm.Library];
            Assert.Equal((hsm.Library, "-Pkcs11Library"), Pkcs11Library.Locate(hsm.Library, "-Pkcs11Library"));
            Assert.Equal(hsm.SoftHsmLibrary, Pkcs11Library.Locate(null, "-Pkcs11Library").Path);

            Environment.SetEnvironmentVariable(Pkcs11Library.ModuleEnvironmentVariable, null);
            var fallback = Pkcs11Library.Locate(null, "-Pkcs11Library");
            Assert.Equal(hsm.Library, fallback.Path);
            Assert.Contains("p11-kit", fallback.Origin);

            Pkcs11Library.DefaultCandidates = ["/nonexistent/p11-kit-proxy.so"];
            var e = Assert.Throws<IamraException>(() => Pkcs11Library.Locate(null, "-Pkcs11Library"));
            Assert.Equal(ErrorIds.Pkcs11.LibraryNotFound, e.ErrorId);
            Assert.Contains(Pkcs11Library.ModuleEnvironmentVariable, e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Pkcs11Library.ModuleEnvironmentVariable, saved.Item1);
            Pkcs11Library.DefaultCandidates = saved.DefaultCandidates;
        }
    }

    [Fact]
    public void After_the_sessions_are_closed_a_kept_key_says_so_and_finding_it_again_logs_in_anew()
    {
        var identity = One("rsa");
        Pkcs11Tokens.Close(((Pkcs11SigningKey)identity.SigningKey!).Token);

        var e = Assert.Throws<IamraException>(() => identity.SigningKey!.SignSha256("x"u8.ToArray()));
        Assert.Equal(ErrorIds.Pkcs11.SessionClosed, e.ErrorId);

        var logins = hsm.CountCalls("C_Login");
        var again = One("rsa");
        Assert.NotEmpty(again.SigningKey!.SignSha256("x"u8.ToArray()));
        Assert.Equal(logins + 1, hsm.CountCalls("C_Login"));
    }

    private static Python.Result Verify(X509Certificate2 certificate, string stringToSign, string signatureHex) =>
        Python.Run("verify_x509_signature.py", JsonSerializer.Serialize(new
        {
            certificate_pem = certificate.ExportCertificatePem(),
            string_to_sign = stringToSign,
            signature_hex = signatureHex,
        }));

    internal static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
