using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>The store the later HMAC-signed endpoints will check presented credentials against.</summary>
public sealed class SandboxCredentialStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 20, 0, 0, 500, TimeSpan.Zero);

    [Fact]
    public void Issued_credentials_look_like_STS_ones_and_expire_on_a_whole_second()
    {
        var store = new SandboxCredentialStore();
        var issued = store.Issue("rolesanywhere.amazonaws.com", "arn:aws:iam::123456789012:role/path/etl", "nightly", "123456789012", Now, TimeSpan.FromMinutes(15), "CN=x", "42");

        Assert.Matches("^ASIA[A-Z2-7]{16}$", issued.AccessKeyId);
        Assert.Equal(40, issued.SecretAccessKey.Length);
        Assert.True(issued.SessionToken.Length > 200);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 20, 15, 0, TimeSpan.Zero), issued.Expiration);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/etl/nightly", issued.AssumedRoleArn);
        Assert.Matches("^AROA[A-Z2-7]{17}:nightly$", issued.AssumedRoleId);
        Assert.Equal(SandboxCredentialStore.RoleId("arn:aws:iam::123456789012:role/path/etl"), issued.AssumedRoleId.Split(':')[0]); // stable per role
        Assert.DoesNotContain(issued.SecretAccessKey, issued.ToString());
        Assert.DoesNotContain(issued.SessionToken, issued.ToString());
    }

    [Fact]
    public void Check_tells_valid_unknown_wrong_token_expired_and_revoked_apart()
    {
        var store = new SandboxCredentialStore();
        var issued = store.Issue("rolesanywhere.amazonaws.com", "arn:aws:iam::123456789012:role/etl", "s", "123456789012", Now, TimeSpan.FromMinutes(15), null, null);

        Assert.Equal(SandboxCredentialStatus.Valid, store.Check(issued.AccessKeyId, issued.SessionToken, Now.AddMinutes(14), out var found));
        Assert.Same(issued, found);
        Assert.Equal(SandboxCredentialStatus.UnknownAccessKey, store.Check("ASIAUNKNOWN", issued.SessionToken, Now, out _));
        Assert.Equal(SandboxCredentialStatus.SessionTokenMismatch, store.Check(issued.AccessKeyId, issued.SessionToken + "x", Now, out _));
        Assert.Equal(SandboxCredentialStatus.SessionTokenMismatch, store.Check(issued.AccessKeyId, null, Now, out _));
        Assert.Equal(SandboxCredentialStatus.Expired, store.Check(issued.AccessKeyId, issued.SessionToken, Now.AddMinutes(15), out _));
        Assert.True(store.Revoke(issued.AccessKeyId));
        Assert.Equal(SandboxCredentialStatus.Revoked, store.Check(issued.AccessKeyId, issued.SessionToken, Now, out _));
    }
}
