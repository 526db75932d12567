using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RedshiftIamra.Pkcs11;
using RedshiftIamra.Pkcs11.Native;

namespace RedshiftIamra.Tests.Pkcs11;

/// <summary>
/// The PKCS#11 binding itself (Pkcs11/Native): its structure layout against the C compiler's
/// reading of pkcs11.h, and its calls against SoftHSM2 loaded directly (not through pkcs11-spy).
/// </summary>
[Collection(SoftHsmCollection.Name)]
public sealed class CryptokiTests(SoftHsmFixture hsm)
{
    private const string Header = "/usr/include/p11-kit-1/p11-kit/pkcs11.h";

    [Theory]
    [InlineData(8, 8, false, 8, 16, 24, 8, 48, 40)] // 64-bit Linux and macOS: CK_ULONG is 8 bytes, natural alignment
    [InlineData(4, 8, true, 4, 12, 16, 2, 44, 34)]  // 64-bit Windows: 4 bytes, structures packed to 1
    [InlineData(4, 4, false, 4, 8, 12, 4, 24, 36)]  // 32-bit Linux
    public void The_layout_follows_the_width_of_CK_ULONG_and_the_packing_of_the_platform(
        int ulongSize, int pointerSize, bool packed, int pointerOffset, int lengthOffset, int pairSize, int functionsOffset, int initializeArgsSize, int infoFlagsOffset)
    {
        var layout = new CkLayout(ulongSize, pointerSize, packed);
        Assert.Equal(pointerOffset, layout.PairPointerOffset);
        Assert.Equal(lengthOffset, layout.PairLengthOffset);
        Assert.Equal(pairSize, layout.PairSize);
        Assert.Equal(functionsOffset, layout.FunctionsOffset);
        Assert.Equal(initializeArgsSize, layout.InitializeArgsSize);
        Assert.Equal(infoFlagsOffset, layout.InfoFlagsOffset);
        Assert.Equal(96, layout.TokenInfoFlagsOffset);
    }

    [Fact]
    public void The_host_layout_is_what_the_C_compiler_makes_of_pkcs11_h()
    {
        Assert.True(File.Exists(Header), $"{Header} is missing: run tests/tools/install-peers.sh (libp11-kit-dev, gcc).");
        var facts = CompileAndRun("""
            #include <stdio.h>
            #include <stddef.h>
            #include <p11-kit/pkcs11.h>
            #define FACT(name, value) printf("%s %lu\n", name, (unsigned long)(value))
            int main(void) {
              FACT("ulong", sizeof(CK_ULONG));
              FACT("attribute.pValue", offsetof(CK_ATTRIBUTE, pValue));
              FACT("attribute.ulValueLen", offsetof(CK_ATTRIBUTE, ulValueLen));
              FACT("attribute", sizeof(CK_ATTRIBUTE));
              FACT("mechanism.pParameter", offsetof(CK_MECHANISM, pParameter));
              FACT("mechanism.ulParameterLen", offsetof(CK_MECHANISM, ulParameterLen));
              FACT("mechanism", sizeof(CK_MECHANISM));
              FACT("initialize.flags", offsetof(CK_C_INITIALIZE_ARGS, flags));
              FACT("initialize", sizeof(CK_C_INITIALIZE_ARGS));
              FACT("info.flags", offsetof(CK_INFO, flags));
              FACT("info.libraryDescription", offsetof(CK_INFO, libraryDescription));
              FACT("info.libraryVersion", offsetof(CK_INFO, libraryVersion));
              FACT("token.flags", offsetof(CK_TOKEN_INFO, flags));
              FACT("session.state", offsetof(CK_SESSION_INFO, state));
              FACT("C_Initialize", offsetof(CK_FUNCTION_LIST, C_Initialize));
              FACT("C_Finalize", offsetof(CK_FUNCTION_LIST, C_Finalize));
              FACT("C_GetInfo", offsetof(CK_FUNCTION_LIST, C_GetInfo));
              FACT("C_GetSlotList", offsetof(CK_FUNCTION_LIST, C_GetSlotList));
              FACT("C_GetTokenInfo", offsetof(CK_FUNCTION_LIST, C_GetTokenInfo));
              FACT("C_GetMechanismList", offsetof(CK_FUNCTION_LIST, C_GetMechanismList));
              FACT("C_OpenSession", offsetof(CK_FUNCTION_LIST, C_OpenSession));
              FACT("C_CloseSession", offsetof(CK_FUNCTION_LIST, C_CloseSession));
              FACT("C_CloseAllSessions", offsetof(CK_FUNCTION_LIST, C_CloseAllSessions));
              FACT("C_GetSessionInfo", offsetof(CK_FUNCTION_LIST, C_GetSessionInfo));
              FACT("C_Login", offsetof(CK_FUNCTION_LIST, C_Login));
              FACT("C_Logout", offsetof(CK_FUNCTION_LIST, C_Logout));
              FACT("C_GetAttributeValue", offsetof(CK_FUNCTION_LIST, C_GetAttributeValue));
              FACT("C_FindObjectsInit", offsetof(CK_FUNCTION_LIST, C_FindObjectsInit));
              FACT("C_FindObjects", offsetof(CK_FUNCTION_LIST, C_FindObjects));
              FACT("C_FindObjectsFinal", offsetof(CK_FUNCTION_LIST, C_FindObjectsFinal));
              FACT("C_SignInit", offsetof(CK_FUNCTION_LIST, C_SignInit));
              FACT("C_Sign", offsetof(CK_FUNCTION_LIST, C_Sign));
              return 0;
            }
            """);

        var layout = CkLayout.Host;
        Assert.Equal(facts["ulong"], layout.UlongSize);
        Assert.Equal(facts["attribute.pValue"], layout.PairPointerOffset);
        Assert.Equal(facts["attribute.ulValueLen"], layout.PairLengthOffset);
        Assert.Equal(facts["attribute"], layout.PairSize);
        Assert.Equal(facts["mechanism.pParameter"], layout.PairPointerOffset);
        Assert.Equal(facts["mechanism.ulParameterLen"], layout.PairLengthOffset);
        Assert.Equal(facts["mechanism"], layout.PairSize);
        Assert.Equal(facts["initialize.flags"], layout.InitializeFlagsOffset);
        Assert.Equal(facts["initialize"], layout.InitializeArgsSize);
        Assert.Equal(facts["info.flags"], layout.InfoFlagsOffset);
        Assert.Equal(facts["info.libraryDescription"], layout.InfoDescriptionOffset);
        Assert.Equal(facts["info.libraryVersion"], layout.InfoLibraryVersionOffset);
        Assert.Equal(facts["token.flags"], layout.TokenInfoFlagsOffset);
        Assert.Equal(facts["session.state"], layout.SessionInfoStateOffset);
        var functions = new Dictionary<string, int>
        {
            ["C_Initialize"] = Cryptoki.CInitialize,
            ["C_Finalize"] = Cryptoki.CFinalize,
            ["C_GetInfo"] = Cryptoki.CGetInfo,
            ["C_GetSlotList"] = Cryptoki.CGetSlotList,
            ["C_GetTokenInfo"] = Cryptoki.CGetTokenInfo,
            ["C_GetMechanismList"] = Cryptoki.CGetMechanismList,
            ["C_OpenSession"] = Cryptoki.COpenSession,
            ["C_CloseSession"] = Cryptoki.CCloseSession,
            ["C_CloseAllSessions"] = Cryptoki.CCloseAllSessions,
            ["C_GetSessionInfo"] = Cryptoki.CGetSessionInfo,
            ["C_Login"] = Cryptoki.CLogin,
            ["C_Logout"] = Cryptoki.CLogout,
            ["C_GetAttributeValue"] = Cryptoki.CGetAttributeValue,
            ["C_FindObjectsInit"] = Cryptoki.CFindObjectsInit,
            ["C_FindObjects"] = Cryptoki.CFindObjects,
            ["C_FindObjectsFinal"] = Cryptoki.CFindObjectsFinal,
            ["C_SignInit"] = Cryptoki.CSignInit,
            ["C_Sign"] = Cryptoki.CSign,
        };
        Assert.All(functions, f => Assert.Equal(facts[f.Key], layout.FunctionsOffset + (f.Value * layout.PointerSize)));
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("p256")]
    [InlineData("p384")]
    public void Signs_in_SoftHSM_and_the_certificate_public_key_verifies_the_signature(string label)
    {
        var module = Pkcs11Library.Load(hsm.SoftHsmLibrary, "test").Module;
        var slot = module.GetSlotsWithToken().Single(s => module.GetTokenInfo(s).Label == SoftHsmFixture.Token);
        var info = module.GetTokenInfo(slot);
        Assert.True(info.Initialized);
        Assert.True(info.LoginRequired);
        Assert.Contains(CKM.CKM_ECDSA, module.GetMechanisms(slot));
        Assert.Contains(CKM.CKM_SHA256_RSA_PKCS, module.GetMechanisms(slot));

        var session = module.OpenSession(slot);
        try
        {
            LogIn(session, SoftHsmFixture.Pin);
            Assert.Equal(CKS.CKS_RO_USER_FUNCTIONS, session.State);
            var key = Assert.Single(session.FindObjects([CkAttribute.Of(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), CkAttribute.Of(CKA.CKA_LABEL, label)]));
            var attributes = session.GetAttributes(key, [CKA.CKA_LABEL, CKA.CKA_KEY_TYPE, CKA.CKA_SIGN, CKA.CKA_VALUE, CKA.CKA_ID]);
            Assert.Equal(label, attributes.Text(0));
            Assert.Equal(Cryptoki.Layout.UlongSize, attributes.Bytes(1)!.Length); // a CK_ULONG, as wide as the platform's
            Assert.Equal(label == "rsa" ? (ulong)CKK.CKK_RSA : (ulong)CKK.CKK_EC, attributes.Ulong(1));
            Assert.True(attributes.Bool(2));
            Assert.Null(attributes.Bytes(3)); // the private value is sensitive: CKR_ATTRIBUTE_SENSITIVE, the other attributes still read
            Assert.Single(attributes.Bytes(4)!);

            var data = Encoding.UTF8.GetBytes($"AWS4-X509 string to sign for {label}");
            var certificate = hsm.Certificates[label];
            if (label == "rsa")
            {
                var signature = session.Sign(CKM.CKM_SHA256_RSA_PKCS, key, data);
                using var rsa = certificate.GetRSAPublicKey()!;
                Assert.True(rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
                Assert.False(rsa.VerifyData(data.Append((byte)0).ToArray(), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }
            else
            {
                var signature = session.Sign(CKM.CKM_ECDSA, key, SHA256.HashData(data));
                using var ecdsa = certificate.GetECDsaPublicKey()!;
                Assert.True(ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
                Assert.True(ecdsa.VerifyData(data, Pkcs11Token.EcdsaRawToDer(signature), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            }
        }
        finally
        {
            // Closing, not logging out: the login state is the whole application's, and the
            // engine's own session to this token may still use it.
            session.Close();
        }
    }

    [Fact]
    public void A_wrong_PIN_is_CKR_PIN_INCORRECT_and_the_engine_names_it_without_the_PIN()
    {
        // No session of this process to the PIN token: it is logged out.
        foreach (var token in Pkcs11Tokens.All.Where(t => t.Label == SoftHsmFixture.PinToken))
        {
            Pkcs11Tokens.Close(token);
        }

        var module = Pkcs11Library.Load(hsm.SoftHsmLibrary, "test").Module;
        var slot = module.GetSlotsWithToken().Single(s => module.GetTokenInfo(s).Label == SoftHsmFixture.PinToken);
        var session = module.OpenSession(slot);
        try
        {
            var e = Assert.Throws<Pkcs11CallException>(() => session.Login(CKU.CKU_USER, "9999-wrong"u8.ToArray()));
            Assert.Equal("C_Login", e.Function);
            Assert.Equal((ulong)CKR.CKR_PIN_INCORRECT, e.Code);
            Assert.Equal(CKS.CKS_RO_PUBLIC_SESSION, session.State);
            Assert.Empty(session.FindObjects([CkAttribute.Of(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)])); // not logged in: no private object shows

            var error = Pkcs11Errors.FromReturnValue(e.ReturnValue, e.Function, "PKCS#11 token 'iamra-pin'", e);
            Assert.Equal(ErrorIds.Pkcs11.PinIncorrect, error.ErrorId);
            Assert.DoesNotContain("9999", error.Message);
        }
        finally
        {
            session.Close();
        }
    }

    [Fact]
    public void A_slot_that_does_not_exist_is_CKR_SLOT_ID_INVALID_named_in_the_message()
    {
        var module = Pkcs11Library.Load(hsm.SoftHsmLibrary, "test").Module;
        var e = Assert.Throws<Pkcs11CallException>(() => module.GetTokenInfo(0x7fff_fff0));
        Assert.Equal("C_GetTokenInfo", e.Function);
        Assert.Equal((ulong)CKR.CKR_SLOT_ID_INVALID, e.Code);
        var error = Pkcs11Errors.FromReturnValue(e.ReturnValue, e.Function, "PKCS#11 token 't'", e);
        Assert.Equal(ErrorIds.Pkcs11.TokenError, error.ErrorId);
        Assert.Contains("C_GetTokenInfo", error.Message);
        Assert.Contains("CKR_SLOT_ID_INVALID", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_PKCS11_module_fails_to_load_with_the_reason()
    {
        var notPkcs11 = Directory.GetFiles(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "libSystem.Native.*").First();
        Assert.Throws<EntryPointNotFoundException>(() => Cryptoki.Load(notPkcs11));

        var text = Path.Combine(hsm.Directory, "not-a-library.so");
        File.WriteAllText(text, "not a shared library");
        Assert.ThrowsAny<Exception>(() => Cryptoki.Load(text)); // DllNotFoundException (or BadImageFormatException)
        var e = Assert.Throws<IamraException>(() => Pkcs11Library.Load(text, "-Pkcs11Library"));
        Assert.Equal(ErrorIds.Pkcs11.LibraryInvalid, e.ErrorId);
        Assert.Contains("-Pkcs11Library", e.Message);
    }

    private static void LogIn(CryptokiSession session, string pin)
    {
        try
        {
            session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(pin));
        }
        catch (Pkcs11CallException e) when (e.ReturnValue == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // The engine's session to this token logged the application in already.
        }
    }

    private Dictionary<string, int> CompileAndRun(string source)
    {
        var directory = Directory.CreateDirectory(Path.Combine(hsm.Directory, "layout")).FullName;
        var file = Path.Combine(directory, "layout.c");
        var program = Path.Combine(directory, "layout");
        File.WriteAllText(file, source);
        Run("gcc", ["-I/usr/include/p11-kit-1", "-o", program, file]);
        return Run(program, [])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Run(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} failed ({process.ExitCode}): {error}");
        return output.Result;
    }
}
