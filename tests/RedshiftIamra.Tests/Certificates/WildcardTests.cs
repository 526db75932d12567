using RedshiftIamra.Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>CertificateFinder.Wildcard: PowerShell wildcards, whole string, case-insensitive, everything else literal.</summary>
public sealed class WildcardTests
{
    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "anything at all", true)]
    [InlineData("CN=*", "CN=host, O=Org", true)]
    [InlineData("*O=Org", "CN=host, O=Org", true)]
    [InlineData("*host*", "CN=host, O=Org", true)]
    [InlineData("host", "CN=host, O=Org", false)]
    [InlineData("CN=host", "CN=host, O=Org", false)]
    [InlineData("a*c", "ac", true)]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "abcd", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("a?c", "abbc", false)]
    [InlineData("???", "a\nb", true)]
    [InlineData("[ab]x", "ax", true)]
    [InlineData("[ab]x", "bx", true)]
    [InlineData("[ab]x", "cx", false)]
    [InlineData("[ab]x", "abx", false)]
    [InlineData("[a-c]1", "b1", true)]
    [InlineData("[a-c]1", "d1", false)]
    [InlineData("ABC", "abc", true)]
    [InlineData("abc", "ABC", true)]
    [InlineData("`*", "*", true)]
    [InlineData("`*", "a", false)]
    [InlineData("`?", "?", true)]
    [InlineData("`?", "a", false)]
    [InlineData("`[ab`]", "[ab]", true)]
    [InlineData("`[ab`]", "a", false)]
    [InlineData("``", "`", true)]
    [InlineData("a`", "a`", true)]
    [InlineData("[", "[", true)]
    [InlineData("a.c", "a.c", true)]
    [InlineData("a.c", "abc", false)]
    [InlineData("a+", "a+", true)]
    [InlineData("a+", "aa", false)]
    [InlineData("(a|b)", "(a|b)", true)]
    [InlineData("(a|b)", "a", false)]
    [InlineData("^a$", "^a$", true)]
    [InlineData("^a$", "a", false)]
    [InlineData("a{2}", "a{2}", true)]
    [InlineData("a{2}", "aa", false)]
    [InlineData(@"C:\path\*", @"C:\path\file", true)]
    [InlineData(@"\d", "1", false)]
    [InlineData(@"\d", @"\d", true)]
    [InlineData("CN=Doe\\, John", "CN=Doe\\, John", true)]
    [InlineData("O=\"Acme, Inc.\"", "O=\"Acme, Inc.\"", true)]
    public void Matches_like_powershell(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, CertificateFinder.Wildcard(pattern).IsMatch(input));
    }
}
