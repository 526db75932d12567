using System.Globalization;
using System.Numerics;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>SerialNumberDecimal is the serial as a positive decimal integer, as Roles Anywhere shows it.</summary>
public sealed class SerialNumberTests
{
    [Theory]
    [InlineData("01")]
    [InlineData("7F")]
    [InlineData("80")]
    [InlineData("FF")]
    [InlineData("0100")]
    [InlineData("8001020304050607")]
    [InlineData("80010203040506070809")]
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    [InlineData("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    [InlineData("3A9C2F1B6D0E44E8A1B2C3D4E5F60718")]
    public void Decimal_serial_is_the_unsigned_value(string hex)
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { SerialNumber = Convert.FromHexString(hex) });
        var expected = BigInteger.Parse("00" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.True(expected.Sign > 0);

        var certificate = new IamraCertificate(leaf.Certificate);
        Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), certificate.SerialNumberDecimal);
        Assert.DoesNotContain("-", certificate.SerialNumberDecimal);
        Assert.Equal(leaf.Certificate.SerialNumber, certificate.SerialNumber);
        Assert.Equal(expected, BigInteger.Parse("00" + certificate.SerialNumber, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Decimal_serial_does_not_depend_on_the_culture()
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { SerialNumber = Convert.FromHexString("8001020304050607") });
        var original = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("ar-EG");
            Assert.Equal("9223655723807081991", new IamraCertificate(leaf.Certificate).SerialNumberDecimal);
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }
}
