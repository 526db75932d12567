using System.Reflection;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>Records print every member by default: every model that holds a password must not.</summary>
public sealed class RedshiftSecretTests
{
    private const string Secret = "Sup3r-Secret-DbPassword/+=";

    private static IEnumerable<string> Names() =>
        typeof(RedshiftClient).Assembly.GetTypes()
            .Where(t => t.Namespace == "RedshiftIamra.Redshift" && t.IsPublic && t.GetProperties().Any(p => p.Name.Contains("Password", StringComparison.Ordinal)))
            .Select(t => t.FullName!);

    public static TheoryData<string> ModelsWithPasswords => new(Names());

    [Fact]
    public void The_models_with_passwords_are_the_three_credential_responses()
    {
        Assert.Equal(
            ["RedshiftIamra.Redshift.GetClusterCredentialsResponse", "RedshiftIamra.Redshift.GetClusterCredentialsWithIAMResponse", "RedshiftIamra.Redshift.GetCredentialsResponse"],
            Names().Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ModelsWithPasswords))]
    public void ToString_never_shows_the_password(string typeName)
    {
        var type = typeof(RedshiftClient).Assembly.GetType(typeName)!;
        var constructor = type.GetConstructors().Single(c => c.GetParameters().Length > 1);
        var arguments = constructor.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(string) => p.Name!.Contains("Password", StringComparison.Ordinal) ? Secret : "IAM:alice",
            var t when t == typeof(DateTimeOffset) => (object)DateTimeOffset.UnixEpoch.AddYears(56),
            var t when t == typeof(DateTimeOffset?) => DateTimeOffset.UnixEpoch.AddYears(56),
            _ => throw new InvalidOperationException($"unexpected parameter {p.Name}"),
        }).ToArray();
        var instance = constructor.Invoke(arguments);

        Assert.Equal(Secret, type.GetProperty("DbPassword")!.GetValue(instance));
        var text = instance.ToString()!;
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("IAM:alice", text, StringComparison.Ordinal);
    }
}
