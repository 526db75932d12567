using System.Runtime.InteropServices;
using System.Security;
using RedshiftIamra.Certificates;
using RedshiftIamra.Pkcs11;

namespace RedshiftIamra.Tests.Pkcs11;

/// <summary>
/// PINs: a wrong one is tried once per request and never again by the module (a token that
/// locks after N failures is locked by the user's N mistakes, not by retries), a missing one is
/// asked for once or is a clear error, and pin-source reads it from a file.
/// </summary>
[Collection(SoftHsmCollection.Name)]
public sealed class Pkcs11PinTests(SoftHsmFixture hsm)
{
    private Pkcs11Query Query(string? pin, Func<string, SecureString?>? prompt = null) => new()
    {
        LibraryPath = hsm.Library,
        TokenLabel = SoftHsmFixture.PinToken,
        Pin = pin is null ? null : Pkcs11TokenTests.Secure(pin),
        PinPrompt = prompt,
    };

    private static IReadOnlyList<IamraCertificate> Find(Pkcs11Query query) => CertificateFinder.FindCandidates(new CertificateQuery { Pkcs11 = query });

    /// <summary>Logs out: the next request must log in again.</summary>
    private static void LogOut()
    {
        foreach (var token in Pkcs11Tokens.All.Where(t => t.Label == SoftHsmFixture.PinToken))
        {
            Pkcs11Tokens.Close(token);
        }
    }

    [Fact]
    public void A_wrong_PIN_is_tried_exactly_once_per_request_and_the_right_PIN_works_afterwards()
    {
        LogOut();
        var logins = hsm.CountCalls("C_Login");

        var first = Assert.Throws<IamraException>(() => Find(Query("0000-wrong")));
        Assert.Equal(ErrorIds.Pkcs11.PinIncorrect, first.ErrorId);
        Assert.Equal(IamraErrorCategory.AuthenticationError, first.Category);
        Assert.Contains("Nothing was retried", first.Message);
        Assert.DoesNotContain("0000-wrong", first.Message);
        Assert.Equal(logins + 1, hsm.CountCalls("C_Login"));

        var second = Assert.Throws<IamraException>(() => Find(Query("1111-wrong")));
        Assert.Equal(ErrorIds.Pkcs11.PinIncorrect, second.ErrorId);
        Assert.Equal(logins + 2, hsm.CountCalls("C_Login"));

        var identity = Assert.Single(Find(Query(SoftHsmFixture.OtherPin)));
        Assert.Equal("pin-key", identity.KeyLabel);
        Assert.Equal(logins + 3, hsm.CountCalls("C_Login"));
        Assert.NotEmpty(identity.SigningKey!.SignSha256("x"u8.ToArray()));
        Assert.Equal(logins + 3, hsm.CountCalls("C_Login"));
    }

    [Fact]
    public void A_missing_PIN_is_asked_for_once_and_a_session_that_cannot_ask_gets_a_clear_error()
    {
        LogOut();
        var logins = hsm.CountCalls("C_Login");
        var asked = new List<string>();

        var e = Assert.Throws<IamraException>(() => Find(Query(null, token => { asked.Add(token); return null; })));
        Assert.Equal(ErrorIds.Pkcs11.PinRequired, e.ErrorId);
        Assert.Contains("-Pin", e.Message);
        Assert.Contains("pin-source", e.Message);
        Assert.Single(asked);
        Assert.Contains($"'{SoftHsmFixture.PinToken}'", asked[0]);
        Assert.Equal(logins, hsm.CountCalls("C_Login")); // no login without a PIN

        Assert.Single(Find(Query(null, _ => { asked.Add("again"); return Pkcs11TokenTests.Secure(SoftHsmFixture.OtherPin); })));
        Assert.Equal(2, asked.Count);

        // Logged in: later requests neither ask nor log in again.
        Assert.Single(Find(Query(null, _ => throw new InvalidOperationException("asked twice"))));
        Assert.Equal(logins + 1, hsm.CountCalls("C_Login"));
    }

    [Fact]
    public void Without_any_way_to_get_a_PIN_the_error_comes_at_once()
    {
        LogOut();
        var e = Assert.Throws<IamraException>(() => Find(Query(null)));
        Assert.Equal(ErrorIds.Pkcs11.PinRequired, e.ErrorId);
        Assert.Equal(IamraErrorCategory.AuthenticationError, e.Category);
    }

    [Fact]
    public void Pin_source_reads_the_first_line_of_a_file_and_a_missing_file_is_named()
    {
        LogOut();
        var file = Path.Combine(hsm.Directory, "pin.txt");
        File.WriteAllText(file, SoftHsmFixture.OtherPin + "\n");
        var uri = $"pkcs11:token={SoftHsmFixture.PinToken}?pin-source=file:{file}&module-path={hsm.Library}";

        var identity = Assert.Single(Find(Pkcs11Query.FromUri(Pkcs11Uri.Parse(uri))));
        Assert.Equal($"pkcs11:token={SoftHsmFixture.PinToken};object=pin-key;id=%01;type=private?module-path={hsm.Library}&pin-source=file:{file}", identity.Source);

        LogOut();
        var e = Assert.Throws<IamraException>(() => Find(Pkcs11Query.FromUri(Pkcs11Uri.Parse(uri.Replace("pin.txt", "missing.txt", StringComparison.Ordinal)))));
        Assert.Equal(ErrorIds.Pkcs11.PinSourceUnreadable, e.ErrorId);
        Assert.Contains("missing.txt", e.Message);
    }

    [Fact]
    public void The_PIN_from_a_file_is_the_file_s_first_line_only()
    {
        var file = Path.Combine(hsm.Directory, "pin-crlf.txt");
        File.WriteAllText(file, "12 34\r\nsecond line\r\n");
        using var pin = Pkcs11Query.ReadPinSource("file://" + file);
        Assert.Equal("12 34", Plain(pin));
        using var plainPath = Pkcs11Query.ReadPinSource(file);
        Assert.Equal("12 34", Plain(plainPath));
        Assert.Equal(ErrorIds.Pkcs11.PinSourceUnreadable, Assert.Throws<IamraException>(() => Pkcs11Query.ReadPinSource("|/bin/echo 1234")).ErrorId);
        Assert.Equal(ErrorIds.Pkcs11.PinSourceUnreadable, Assert.Throws<IamraException>(() => Pkcs11Query.ReadPinSource("file://elsewhere/pin")).ErrorId);
    }

    private static string Plain(SecureString secure)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            return Marshal.PtrToStringUni(pointer, secure.Length);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }
}
