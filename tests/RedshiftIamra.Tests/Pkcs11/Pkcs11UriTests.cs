using System.Runtime.InteropServices;
using System.Security;
using RedshiftIamra.Pkcs11.Native;
using Pkcs11Uri = RedshiftIamra.Pkcs11.Pkcs11Uri;
using RedshiftIamra.Pkcs11;

namespace RedshiftIamra.Tests.Pkcs11;

/// <summary>RFC 7512 URIs, the error mapping and the signature encodings (no token needed).</summary>
public sealed class Pkcs11UriTests
{
    [Fact]
    public void Path_and_query_attributes_are_percent_decoded_and_the_id_is_bytes()
    {
        var uri = Pkcs11Uri.Parse("pkcs11:token=My%20HSM;object=etl%3Bkey;id=%01%A2;type=private;serial=0123;slot-id=7?module-path=/opt/hsm/lib%20x.so&pin-source=file:/etc/pin");

        Assert.Equal("My HSM", uri.Token);
        Assert.Equal("etl;key", uri.Object);
        Assert.Equal(new byte[] { 0x01, 0xA2 }, uri.Id);
        Assert.Equal("private", uri.Type);
        Assert.Equal("0123", uri.Serial);
        Assert.Equal(7UL, uri.SlotId);
        Assert.Equal("/opt/hsm/lib x.so", uri.ModulePath);
        Assert.Equal("file:/etc/pin", uri.PinSource);
        Assert.Null(uri.PinValue);
    }

    [Fact]
    public void Pin_value_is_kept_as_a_SecureString_and_never_shown()
    {
        var uri = Pkcs11Uri.Parse("pkcs11:token=t;object=k?pin-value=s%C3%A9cret%26");

        Assert.Equal("sécret&", Plain(uri.PinValue!));
        Assert.True(uri.PinValue!.IsReadOnly());
        Assert.Equal("pkcs11:token=t;object=k", uri.ToString());
        Assert.DoesNotContain("cret", Pkcs11Query.FromUri(uri).Describe());
    }

    [Fact]
    public void Build_encodes_what_Parse_decodes()
    {
        var text = Pkcs11Uri.Build("tok en", "a;b/c", [0x00, 0xff], "private", "/usr/lib/x y.so", "file:/run/pin");
        Assert.Equal("pkcs11:token=tok%20en;object=a%3Bb%2Fc;id=%00%FF;type=private?module-path=/usr/lib/x%20y.so&pin-source=file:/run/pin", text);

        var parsed = Pkcs11Uri.Parse(text);
        Assert.Equal("tok en", parsed.Token);
        Assert.Equal("a;b/c", parsed.Object);
        Assert.Equal(new byte[] { 0x00, 0xff }, parsed.Id);
        Assert.Equal("/usr/lib/x y.so", parsed.ModulePath);
        Assert.Equal(text, parsed.ToString());
    }

    [Theory]
    [InlineData("token=x", "does not start with 'pkcs11:'")]
    [InlineData("pkcs11:tokne=x", "'tokne' is not a path attribute")]
    [InlineData("pkcs11:token=x;token=y", "appears twice")]
    [InlineData("pkcs11:id=%0", "two hexadecimal digits")]
    [InlineData("pkcs11:type=secret", "type 'secret'")]
    [InlineData("pkcs11:slot-id=abc", "slot-id 'abc'")]
    [InlineData("pkcs11:token=x?pin=1234", "'pin' is not a query attribute")]
    [InlineData("pkcs11:token=x?pin-value=1&pin-source=file:/p", "both pin-value and pin-source")]
    [InlineData("pkcs11:token=x;1234", "no name=value form")]
    public void A_malformed_uri_says_what_is_wrong_and_never_repeats_a_PIN(string text, string expected)
    {
        var e = Assert.Throws<IamraException>(() => Pkcs11Uri.Parse(text));
        Assert.Equal(ErrorIds.Pkcs11.UriInvalid, e.ErrorId);
        Assert.Equal(IamraErrorCategory.InvalidArgument, e.Category);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("1234", e.Message);
    }

    [Fact]
    public void Vendor_attributes_are_accepted_and_module_name_or_a_data_object_is_refused_clearly()
    {
        Assert.Equal("t", Pkcs11Uri.Parse("pkcs11:token=t;x-vendor=1?x-other=2").Token);
        Assert.Contains("module-path", Assert.Throws<IamraException>(() => Pkcs11Query.FromUri(Pkcs11Uri.Parse("pkcs11:token=t?module-name=softhsm2"))).Message);
        Assert.Contains("type=private", Assert.Throws<IamraException>(() => Pkcs11Query.FromUri(Pkcs11Uri.Parse("pkcs11:token=t;type=data"))).Message);
    }

    [Theory]
    [InlineData("01", new byte[] { 0x01 })]
    [InlineData("0A:1b", new byte[] { 0x0a, 0x1b })]
    [InlineData("0x0a1b2c", new byte[] { 0x0a, 0x1b, 0x2c })]
    public void Key_ids_are_hexadecimal_as_pkcs11_tool_shows_them(string text, byte[] expected)
    {
        Assert.Equal(expected, Pkcs11Uri.ParseHexId(text));
        Assert.Equal(ErrorIds.Pkcs11.UriInvalid, Assert.Throws<IamraException>(() => Pkcs11Uri.ParseHexId("1")).ErrorId);
        Assert.Equal(ErrorIds.Pkcs11.UriInvalid, Assert.Throws<IamraException>(() => Pkcs11Uri.ParseHexId("zz")).ErrorId);
    }

    [Theory]
    [InlineData((ulong)CKR.CKR_PIN_INCORRECT, ErrorIds.Pkcs11.PinIncorrect, IamraErrorCategory.AuthenticationError, "refused the PIN")]
    [InlineData((ulong)CKR.CKR_PIN_LOCKED, ErrorIds.Pkcs11.PinLocked, IamraErrorCategory.AuthenticationError, "locked")]
    [InlineData((ulong)CKR.CKR_MECHANISM_INVALID, ErrorIds.Pkcs11.MechanismNotSupported, IamraErrorCategory.NotImplemented, "CKM_ECDSA")]
    [InlineData((ulong)CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, ErrorIds.Pkcs11.KeyUnusable, IamraErrorCategory.PermissionDenied, "CKA_SIGN")]
    [InlineData((ulong)CKR.CKR_DEVICE_REMOVED, ErrorIds.Pkcs11.TokenError, IamraErrorCategory.ResourceUnavailable, "inserted")]
    [InlineData((ulong)CKR.CKR_GENERAL_ERROR, ErrorIds.Pkcs11.TokenError, IamraErrorCategory.InvalidOperation, "CKR_GENERAL_ERROR")]
    public void Token_return_values_map_to_stable_ids_and_messages_that_say_what_to_do(ulong rv, string id, IamraErrorCategory category, string text)
    {
        var e = Pkcs11Errors.FromReturnValue((CKR)rv, "C_Sign", "PKCS#11 token 't'");
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Contains(text, e.Message);
        Assert.Contains("PKCS#11 token 't'", e.Message);
    }

    [Fact]
    public void An_ECDSA_r_s_pair_is_re_encoded_as_a_minimal_DER_sequence()
    {
        // r has its high bit set (needs a 00 pad), s has leading zeros (dropped).
        var raw = new byte[64];
        raw[0] = 0x80;
        raw[31] = 0x01;
        raw[63] = 0x05;
        var der = Pkcs11Token.EcdsaRawToDer(raw);

        var expected = new List<byte> { 0x30, 0x26, 0x02, 0x21, 0x00, 0x80 };
        expected.AddRange(new byte[30]);
        expected.Add(0x01);
        expected.AddRange(new byte[] { 0x02, 0x01, 0x05 });
        Assert.Equal(expected.ToArray(), der);
        Assert.Equal(IamraErrorCategory.InvalidResult, Assert.Throws<IamraException>(() => Pkcs11Token.EcdsaRawToDer(new byte[63])).Category);
    }

    [Fact]
    public void The_DigestInfo_is_the_one_RSASSA_PKCS1_v15_signs_for_SHA256()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var data = "data"u8.ToArray();
        var digestInfo = Pkcs11Token.Sha256DigestInfo(data);

        // Raw RSA over PKCS#1 type-1 padding of the DigestInfo equals .NET's SHA-256 PKCS#1 signature.
        var signature = rsa.SignData(data, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var recovered = System.Numerics.BigInteger.ModPow(
            new System.Numerics.BigInteger(signature, isUnsigned: true, isBigEndian: true),
            new System.Numerics.BigInteger(rsa.ExportParameters(false).Exponent!, isUnsigned: true, isBigEndian: true),
            new System.Numerics.BigInteger(rsa.ExportParameters(false).Modulus!, isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.Equal(digestInfo, recovered[^digestInfo.Length..]);
        Assert.Equal(51, digestInfo.Length);
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
