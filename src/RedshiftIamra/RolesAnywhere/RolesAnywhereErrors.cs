using RedshiftIamra.Aws;

namespace RedshiftIamra.RolesAnywhere;

/// <summary>Turns Roles Anywhere errors into messages that name the cause and the fix.</summary>
public static class RolesAnywhereErrors
{
    internal static IamraException Map(AwsServiceException exception, CreateSessionRequest request, RolesAnywhereClientConfig config)
    {
        var error = exception.Error;
        var message = error.Message;
        var said = $"Roles Anywhere said: {error.Code}: {message}{(error.RequestId is null ? string.Empty : $" (request id {error.RequestId})")}.";
        var subject = request.Certificate.Subject;

        if (error.IsThrottling)
        {
            return new IamraException(ErrorIds.Aws.Throttled, IamraErrorCategory.LimitsExceeded,
                $"Roles Anywhere kept throttling CreateSession after {exception.Attempts} attempts in {exception.Elapsed.TotalSeconds:0.0} s. {said} Reuse sessions (they are cached in-process) or spread the callers out.", config.Endpoint.Uri, exception);
        }

        if (error.IsTransient)
        {
            return new IamraException(ErrorIds.Aws.ServiceUnavailable, IamraErrorCategory.ResourceUnavailable,
                $"Roles Anywhere failed with a server error after {exception.Attempts} attempts in {exception.Elapsed.TotalSeconds:0.0} s. {said} Try again later.", config.Endpoint.Uri, exception);
        }

        bool Says(string text) => message.Contains(text, StringComparison.OrdinalIgnoreCase);

        if (error.Code == "ResourceNotFoundException")
        {
            var which = Says("profile") ? $"the profile {request.ProfileArn}" : Says("trust") ? $"the trust anchor {request.TrustAnchorArn}" : "the trust anchor or profile";
            return new IamraException(ErrorIds.Session.ResourceNotFound, IamraErrorCategory.ObjectNotFound,
                $"{Capitalize(which)} does not exist in {config.Region}. {said} Check the ARN and that it is in the same account and region.", request.ProfileArn, exception);
        }

        if (Says("untrusted") || Says("trust anchor") && Says("certificate"))
        {
            return new IamraException(ErrorIds.Session.UntrustedCertificate, IamraErrorCategory.AuthenticationError,
                $"The trust anchor {request.TrustAnchorArn} does not trust the certificate {subject} (issued by {request.Certificate.Issuer}). {said} Check -TrustAnchorArn names the trust anchor for the CA that issued this certificate, and send intermediate CAs with -ChainPath when the anchor holds only the root.", request.TrustAnchorArn, exception);
        }

        if (Says("signature"))
        {
            return new IamraException(ErrorIds.Aws.SignatureRejected, IamraErrorCategory.AuthenticationError,
                $"Roles Anywhere rejected the request signature made with the key of {subject}. {said} The private key may not belong to the certificate, or a proxy may have changed the request.", request.Certificate.Thumbprint, exception);
        }

        if (Says("expired") || Says("not yet valid") || Says("validity"))
        {
            return new IamraException(ErrorIds.Certificate.Expired, IamraErrorCategory.AuthenticationError,
                $"Roles Anywhere refused the certificate {subject} as outside its validity period (valid {request.Certificate.NotBefore.ToUniversalTime():yyyy-MM-dd} to {request.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} UTC). {said} Renew the certificate.", request.Certificate.Thumbprint, exception);
        }

        if (Says("disabled"))
        {
            var anchor = Says("trust anchor") || Says("trustanchor");
            return new IamraException(anchor ? ErrorIds.Session.TrustAnchorDisabled : ErrorIds.Session.ProfileDisabled, IamraErrorCategory.PermissionDenied,
                $"The {(anchor ? $"trust anchor {request.TrustAnchorArn}" : $"profile {request.ProfileArn}")} is disabled. {said} Enable it in IAM Roles Anywhere (aws rolesanywhere enable-{(anchor ? "trust-anchor" : "profile")}).", anchor ? request.TrustAnchorArn : request.ProfileArn, exception);
        }

        if (Says("duration"))
        {
            return new IamraException(ErrorIds.Session.DurationTooLong, IamraErrorCategory.InvalidArgument,
                $"The session duration {request.DurationSeconds ?? 3600} s is longer than the profile or role allows. {said} Ask for less with -DurationSeconds, or raise the profile's and role's maximum.", request.DurationSeconds, exception);
        }

        // "role" as a word: not the "role" inside "rolesanywhere" (every Roles Anywhere ARN) or "roleSessionName".
        if (System.Text.RegularExpressions.Regex.IsMatch(message, @"\brole\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)
            && (error.Code.StartsWith("AccessDenied", StringComparison.Ordinal) || error.Code.StartsWith("Validation", StringComparison.Ordinal)))
        {
            return new IamraException(ErrorIds.Session.RoleNotAllowed, IamraErrorCategory.PermissionDenied,
                $"The role {request.RoleArn} cannot be assumed through the profile {request.ProfileArn}. {said} Add the role to the profile's roles, and check the role's trust policy allows rolesanywhere.amazonaws.com for this trust anchor and certificate.", request.RoleArn, exception);
        }

        if (error.Code.StartsWith("Validation", StringComparison.Ordinal))
        {
            return new IamraException(ErrorIds.Session.ValidationFailed, IamraErrorCategory.InvalidArgument,
                $"Roles Anywhere rejected the request as invalid. {said}", request.ProfileArn, exception);
        }

        if (error.Code.StartsWith("AccessDenied", StringComparison.Ordinal) || error.Status == System.Net.HttpStatusCode.Forbidden)
        {
            return new IamraException(ErrorIds.Session.AccessDenied, IamraErrorCategory.PermissionDenied,
                $"Roles Anywhere denied the session for {subject}. {said} Check the trust anchor, the profile's roles and the role's trust policy conditions.", request.RoleArn, exception);
        }

        return new IamraException(ErrorIds.Session.RolesAnywhereError, IamraErrorCategory.NotSpecified, $"CreateSession failed. {said}", request.ProfileArn, exception);
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
