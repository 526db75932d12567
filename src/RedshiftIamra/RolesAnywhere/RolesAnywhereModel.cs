using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Aws;

namespace RedshiftIamra.RolesAnywhere;

/// <summary>The input of IAM Roles Anywhere <c>CreateSession</c>, shaped like an AWS SDK request.</summary>
public sealed record CreateSessionRequest
{
    public required string TrustAnchorArn { get; init; }

    public required string ProfileArn { get; init; }

    public required string RoleArn { get; init; }

    public int? DurationSeconds { get; init; }

    public string? RoleSessionName { get; init; }

    /// <summary>The signing certificate, with a private key handle unless <see cref="SigningKey"/> is given.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>Intermediates sent in <c>X-Amz-X509-Chain</c>.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; init; } = Array.Empty<X509Certificate2>();

    /// <summary>The key that signs when it is not attached to <see cref="Certificate"/> (a PKCS#11 token key); null for the certificate's own key.</summary>
    public Signing.ISigningKey? SigningKey { get; init; }
}

/// <summary>One credential set of a <c>CreateSession</c> answer.</summary>
public sealed record RolesAnywhereCredentialSet(
    AwsCredentials Credentials,
    string? RoleArn,
    string? AssumedRoleArn,
    string? AssumedRoleId,
    string? SourceIdentity,
    int? PackedPolicySize);

/// <summary>The output of <c>CreateSession</c>.</summary>
public sealed record CreateSessionResponse(RolesAnywhereCredentialSet CredentialSet, string? SubjectArn, string? RequestId);

/// <summary>Where and how the Roles Anywhere client calls the service.</summary>
public sealed record RolesAnywhereClientConfig
{
    /// <summary>The signing region (from the trust anchor ARN).</summary>
    public required string Region { get; init; }

    public required AwsEndpoint Endpoint { get; init; }

    public AwsHttpSettings Http { get; init; } = new();
}

/// <summary>IAM Roles Anywhere, as much of it as the module needs. Shaped like the AWS SDK client so it can be replaced by it.</summary>
public interface IRolesAnywhereClient
{
    Task<CreateSessionResponse> CreateSessionAsync(CreateSessionRequest request, IOperationLog log, CancellationToken cancellationToken);
}
