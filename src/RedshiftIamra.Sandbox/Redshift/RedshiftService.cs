using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using RedshiftIamra.Sandbox.Postgres;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// Amazon Redshift (provisioned) over the AWS Query protocol, API version 2012-12-01:
/// <c>POST /</c> with a form body <c>Action=...&amp;Version=2012-12-01</c>, signed with SigV4
/// HMAC as <c>redshift</c>. Plays <c>DescribeClusters</c>, <c>GetClusterCredentials</c> and
/// <c>GetClusterCredentialsWithIAM</c> for the sandbox's one cluster, whose database is a real
/// PostgreSQL: every password it issues is set on a login role named exactly as the returned user.
/// Errors are Query XML (<c>ErrorResponse/Error/{Type,Code,Message}</c> + <c>RequestId</c>).
/// </summary>
internal sealed class RedshiftService : ISandboxService
{
    public const string SigningName = "redshift";
    public const string ApiVersion = "2012-12-01";
    public const string XmlNamespace = "http://redshift.amazonaws.com/doc/2012-12-01/";
    public const int MinimumDuration = 900;
    public const int MaximumDuration = 3600;
    public const int DefaultDuration = 900;

    private static readonly XNamespace s_ns = XmlNamespace;
    private static readonly Regex s_dbObjectName = new("^[A-Za-z][A-Za-z0-9_+.@-]{0,63}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_groupName = new("^[a-z][a-z0-9_+.@-]{0,63}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_clusterIdentifier = new("^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$", RegexOptions.CultureInvariant);

    private readonly SandboxConfiguration _configuration;
    private readonly SandboxCredentialStore _credentials;
    private readonly SandboxDatabase _database;
    private readonly TimeSpan _maxSkew;

    public RedshiftService(SandboxConfiguration configuration, SandboxCredentialStore credentials, SandboxDatabase database, TimeSpan maxSkew)
    {
        _configuration = configuration;
        _credentials = credentials;
        _database = database;
        _maxSkew = maxSkew;
    }

    public string Name => SigningName;

    public string EventSource => "redshift.amazonaws.com";

    public string? TargetPrefix => null;

    public string? QuerySigningName => SigningName;

    public string? MatchRestOperation(SandboxHttpRequest request) => null;

    /// <summary>Faults are named the JSON way; say them the way Query services do.</summary>
    public string ProtocolErrorCode(string code) => code switch
    {
        "ThrottlingException" => "Throttling",
        "InternalServerException" => "InternalFailure",
        "ServiceUnavailableException" => "ServiceUnavailable",
        "ExpiredTokenException" => "ExpiredToken",
        "AccessDeniedException" => "AccessDenied",
        "ValidationException" => "InvalidParameterValue",
        _ => code,
    };

    public SandboxHttpResponse Error(SandboxCall call, int status, string code, string message)
    {
        code = ProtocolErrorCode(code);
        var document = new XDocument(new XElement(s_ns + "ErrorResponse",
            new XElement(s_ns + "Error",
                new XElement(s_ns + "Type", status >= 500 ? "Receiver" : "Sender"),
                new XElement(s_ns + "Code", code),
                new XElement(s_ns + "Message", message)),
            new XElement(s_ns + "RequestId", call.Request.RequestId)));
        return Xml(status, document);
    }

    public async Task<SandboxHttpResponse> HandleAsync(SandboxCall call, CancellationToken cancellationToken)
    {
        SandboxIssuedCredential caller;
        try
        {
            caller = HmacRequestVerifier.Verify(call.Request, _configuration.Region, SigningName, call.Now, _maxSkew, _credentials, call.Audit);
        }
        catch (HmacRejectedException e)
        {
            throw e.Rejection switch
            {
                HmacRejection.IncompleteSignature => new SandboxServiceException(400, "IncompleteSignature", e.Message),
                HmacRejection.SignatureDoesNotMatch => new SandboxServiceException(403, "SignatureDoesNotMatch", e.Message),
                HmacRejection.InvalidClientTokenId => new SandboxServiceException(403, "InvalidClientTokenId", e.Message),
                HmacRejection.ExpiredToken => new SandboxServiceException(403, "ExpiredToken", e.Message),
                _ => new SandboxServiceException(403, "MissingAuthenticationToken", e.Message),
            };
        }

        var form = call.Request.FormParameters;
        var version = form.GetValueOrDefault("Version");
        if (version != ApiVersion)
        {
            throw new SandboxServiceException(400, "InvalidAction", $"Could not find operation {call.Operation} for version {version ?? "(none)"}; this endpoint serves version {ApiVersion}.");
        }

        try
        {
            return call.Operation switch
            {
                "DescribeClusters" => DescribeClusters(call, form),
                "GetClusterCredentials" => await GetClusterCredentialsAsync(call, form, cancellationToken).ConfigureAwait(false),
                "GetClusterCredentialsWithIAM" => await GetClusterCredentialsWithIamAsync(call, form, caller, cancellationToken).ConfigureAwait(false),
                _ => throw new SandboxServiceException(400, "InvalidAction", $"Could not find operation {call.Operation} for version {ApiVersion}."),
            };
        }
        catch (Exception e) when (SandboxDatabaseErrors.IsDatabaseFailure(e))
        {
            throw new SandboxServiceException(500, "InternalFailure", $"The request processing has failed because of an unknown error, exception or failure. (Sandbox database: {e.Message})");
        }
    }

    private SandboxHttpResponse DescribeClusters(SandboxCall call, IReadOnlyDictionary<string, string> form)
    {
        var identifier = form.GetValueOrDefault("ClusterIdentifier");
        call.Audit.ClusterIdentifier = identifier;
        if (form.TryGetValue("MaxRecords", out var maxText) && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out var max) || max is < 20 or > 100))
        {
            throw InvalidParameter($"MaxRecords '{Shorten(maxText)}' is not valid: it must be 20 to 100.");
        }

        if (identifier is not null)
        {
            RequireCluster(identifier);
        }

        var status = _database.ClusterStatus;
        var cluster = new XElement(s_ns + "Cluster",
            new XElement(s_ns + "ClusterIdentifier", _database.ClusterIdentifier),
            new XElement(s_ns + "NodeType", "ra3.xlplus"),
            new XElement(s_ns + "ClusterStatus", status),
            new XElement(s_ns + "ClusterAvailabilityStatus", status == "available" ? "Available" : "Unavailable"),
            new XElement(s_ns + "MasterUsername", "awsuser"),
            new XElement(s_ns + "DBName", _database.DatabaseName),
            status is "creating" ? null : new XElement(s_ns + "Endpoint",
                new XElement(s_ns + "Address", _database.Host),
                new XElement(s_ns + "Port", _database.Port.ToString(CultureInfo.InvariantCulture))),
            new XElement(s_ns + "ClusterCreateTime", Time(_database.CreatedAt)),
            new XElement(s_ns + "AutomatedSnapshotRetentionPeriod", "1"),
            new XElement(s_ns + "ClusterParameterGroups"),
            new XElement(s_ns + "AvailabilityZone", _configuration.Region + "a"),
            new XElement(s_ns + "ClusterVersion", "1.0"),
            new XElement(s_ns + "NumberOfNodes", "1"),
            new XElement(s_ns + "PubliclyAccessible", "false"),
            new XElement(s_ns + "Encrypted", "true"),
            new XElement(s_ns + "ClusterNamespaceArn", $"arn:aws:redshift:{_configuration.Region}:{_configuration.AccountId}:namespace:{_database.ClusterNamespaceId}"));
        return Success(call, "DescribeClusters", new XElement(s_ns + "Clusters", cluster));
    }

    private async Task<SandboxHttpResponse> GetClusterCredentialsAsync(SandboxCall call, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        var dbUser = form.GetValueOrDefault("DbUser");
        call.Audit.DbUser = dbUser;
        RequireTarget(call, form);
        if (string.IsNullOrEmpty(dbUser))
        {
            throw InvalidParameter("The request must contain the parameter DbUser.");
        }

        if (!s_dbObjectName.IsMatch(dbUser) || string.Equals(dbUser, "PUBLIC", StringComparison.OrdinalIgnoreCase))
        {
            throw InvalidParameter($"DbUser '{Shorten(dbUser)}' is not valid: it must be 1 to 64 characters (letters, digits, _+.@-), start with a letter, and not be PUBLIC.");
        }

        var dbName = DbName(call, form);
        var duration = Duration(form);
        var autoCreate = form.GetValueOrDefault("AutoCreate") switch
        {
            null => false,
            var v when v.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            var v when v.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            var v => throw InvalidParameter($"AutoCreate '{Shorten(v)}' is not a boolean (true or false)."),
        };
        var groups = Groups(form);
        RequireAvailable();

        var user = (autoCreate ? "IAMA:" : "IAM:") + dbUser;
        var (lifetime, expiration) = Lifetime(call, duration);
        var password = SandboxPostgres.RandomPassword(64);
        call.Audit.DbUser = user;
        if (call.Malformed is { } malformed)
        {
            call.Audit.MalformedAnswer = true;
            return MalformedCredentials(malformed.Malformed, "GetClusterCredentials", user, expiration, null);
        }

        // As on Redshift: a user that does not exist gets credentials anyway, and its login fails.
        if (autoCreate && !_database.UserExists(dbUser))
        {
            await _database.AddUserAsync(dbUser, cancellationToken).ConfigureAwait(false);
        }

        if (autoCreate || _database.UserExists(dbUser))
        {
            await _database.SetLoginAsync(user, password, DateTimeOffset.UtcNow + lifetime, groups, cancellationToken).ConfigureAwait(false);
        }

        return Success(call, "GetClusterCredentials",
            new XElement(s_ns + "DbUser", user),
            new XElement(s_ns + "Expiration", Time(expiration)),
            new XElement(s_ns + "DbPassword", password));
    }

    private async Task<SandboxHttpResponse> GetClusterCredentialsWithIamAsync(SandboxCall call, IReadOnlyDictionary<string, string> form, SandboxIssuedCredential caller, CancellationToken cancellationToken)
    {
        RequireTarget(call, form);
        DbName(call, form);
        var duration = Duration(form);
        RequireAvailable();

        var user = "IAMR:" + RoleName(caller);
        call.Audit.DbUser = user;
        var (lifetime, expiration) = Lifetime(call, duration);
        var password = SandboxPostgres.RandomPassword(64);
        if (call.Malformed is { } malformed)
        {
            call.Audit.MalformedAnswer = true;
            return MalformedCredentials(malformed.Malformed, "GetClusterCredentialsWithIAM", user, expiration, expiration);
        }

        await _database.SetLoginAsync(user, password, DateTimeOffset.UtcNow + lifetime, Array.Empty<string>(), cancellationToken).ConfigureAwait(false);
        return Success(call, "GetClusterCredentialsWithIAM",
            new XElement(s_ns + "DbUser", user),
            new XElement(s_ns + "Expiration", Time(expiration)),
            new XElement(s_ns + "NextRefreshTime", Time(expiration)),
            new XElement(s_ns + "DbPassword", password));
    }

    /// <summary>The database user name of a role session: the role's name (<c>IAMR:name</c>).</summary>
    internal static string RoleName(SandboxIssuedCredential caller) => caller.RoleArn[(caller.RoleArn.LastIndexOf('/') + 1)..];

    /// <summary>How long the credential lasts (capped) and when it expires on the server's clock.</summary>
    private (TimeSpan Lifetime, DateTimeOffset Expiration) Lifetime(SandboxCall call, int requested)
    {
        var seconds = _database.DurationCapSeconds is { } cap ? Math.Min(requested, cap) : requested;
        call.Audit.DurationSeconds = seconds;
        var lifetime = TimeSpan.FromSeconds(seconds);
        return (lifetime, call.Now + lifetime);
    }

    private void RequireTarget(SandboxCall call, IReadOnlyDictionary<string, string> form)
    {
        var identifier = form.GetValueOrDefault("ClusterIdentifier");
        var customDomain = form.GetValueOrDefault("CustomDomainName");
        call.Audit.ClusterIdentifier = identifier ?? customDomain;
        if (identifier is not null)
        {
            RequireCluster(identifier);
        }
        else if (customDomain is not null)
        {
            throw new SandboxServiceException(404, "ClusterNotFound", $"No cluster is associated with the custom domain name {Shorten(customDomain)}.");
        }
        else
        {
            throw InvalidParameter("ClusterIdentifier or CustomDomainName is required.");
        }
    }

    private void RequireCluster(string identifier)
    {
        if (!s_clusterIdentifier.IsMatch(identifier))
        {
            throw InvalidParameter($"ClusterIdentifier '{Shorten(identifier)}' is not valid: 1 to 63 lower-case letters, digits and hyphens, starting with a letter, no two hyphens in a row, not ending with a hyphen.");
        }

        if (identifier != _database.ClusterIdentifier)
        {
            throw new SandboxServiceException(404, "ClusterNotFound", $"Cluster {identifier} not found.");
        }
    }

    private void RequireAvailable()
    {
        if (_database.ClusterStatus != "available")
        {
            throw new SandboxServiceException(400, "InvalidClusterState", $"The cluster {_database.ClusterIdentifier} is not in the available state; its status is {_database.ClusterStatus}.");
        }
    }

    private static string? DbName(SandboxCall call, IReadOnlyDictionary<string, string> form)
    {
        var dbName = form.GetValueOrDefault("DbName");
        call.Audit.DbName = dbName;
        if (dbName is not null && !s_dbObjectName.IsMatch(dbName))
        {
            throw InvalidParameter($"DbName '{Shorten(dbName)}' is not valid: it must be 1 to 64 characters (letters, digits, _+.@-) and start with a letter.");
        }

        return dbName;
    }

    private static int Duration(IReadOnlyDictionary<string, string> form)
    {
        if (!form.TryGetValue("DurationSeconds", out var text))
        {
            return DefaultDuration;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) || seconds is < MinimumDuration or > MaximumDuration)
        {
            throw InvalidParameter($"DurationSeconds '{Shorten(text)}' is not valid: it must be {MinimumDuration} to {MaximumDuration} seconds.");
        }

        return seconds;
    }

    /// <summary><c>DbGroups.DbGroup.1..N</c>, numbered from 1 without gaps.</summary>
    private static List<string> Groups(IReadOnlyDictionary<string, string> form)
    {
        const string prefix = "DbGroups.DbGroup.";
        var numbered = new SortedDictionary<int, string>();
        foreach (var (name, value) in form)
        {
            if (!name.StartsWith("DbGroups.", StringComparison.Ordinal))
            {
                continue;
            }

            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !int.TryParse(name[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1)
            {
                throw InvalidParameter($"'{Shorten(name)}' is not a parameter: database groups are DbGroups.DbGroup.1, DbGroups.DbGroup.2, ...");
            }

            numbered[index] = value;
        }

        if (numbered.Count > 0 && numbered.Keys.Last() != numbered.Count)
        {
            throw InvalidParameter("DbGroups.DbGroup.N must be numbered from 1 without gaps.");
        }

        foreach (var group in numbered.Values)
        {
            if (!s_groupName.IsMatch(group) || group.StartsWith("pg_", StringComparison.Ordinal))
            {
                throw InvalidParameter($"DbGroup '{Shorten(group)}' is not valid: 1 to 64 lower-case letters, digits and _+.@-, starting with a letter.");
            }
        }

        return numbered.Values.Distinct(StringComparer.Ordinal).ToList();
    }

    private static SandboxHttpResponse Success(SandboxCall call, string operation, params object?[] result)
    {
        var document = new XDocument(new XElement(s_ns + operation + "Response",
            new XElement(s_ns + operation + "Result", result),
            new XElement(s_ns + "ResponseMetadata", new XElement(s_ns + "RequestId", call.Request.RequestId))));
        return Xml(200, document);
    }

    private static SandboxHttpResponse MalformedCredentials(SandboxMalformedBody kind, string operation, string user, DateTimeOffset expiration, DateTimeOffset? nextRefresh)
    {
        var fields = new List<XElement> { new(s_ns + "DbUser", user), new(s_ns + "Expiration", Time(expiration)) };
        if (nextRefresh is { } next)
        {
            fields.Add(new XElement(s_ns + "NextRefreshTime", Time(next)));
        }

        var real = new XElement(s_ns + operation + "Response", new XElement(s_ns + operation + "Result", fields, new XElement(s_ns + "DbPassword", "malformed")));
        var text = kind switch
        {
            SandboxMalformedBody.TruncatedJson => real.ToString(SaveOptions.DisableFormatting)[..(real.ToString(SaveOptions.DisableFormatting).Length / 2)],
            SandboxMalformedBody.NotJson => "<html><body><h1>502 Bad Gateway</h1></body></html>",
            SandboxMalformedBody.EmptyBody => string.Empty,
            SandboxMalformedBody.MissingFields => new XElement(s_ns + operation + "Response", new XElement(s_ns + operation + "Result", fields)).ToString(SaveOptions.DisableFormatting),
            SandboxMalformedBody.EmptyCredentialSet => new XElement(s_ns + operation + "Response", new XElement(s_ns + operation + "Result")).ToString(SaveOptions.DisableFormatting),
            SandboxMalformedBody.WrongTypes or SandboxMalformedBody.BadExpiration => real.ToString(SaveOptions.DisableFormatting).Replace(Time(expiration), "the day after tomorrow", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return new SandboxHttpResponse(200, Encoding.UTF8.GetBytes(text), kind == SandboxMalformedBody.NotJson ? "text/html" : "text/xml");
    }

    private static SandboxHttpResponse Xml(int status, XDocument document)
    {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + document.Root!.ToString(SaveOptions.None) + "\n";
        return new SandboxHttpResponse(status, Encoding.UTF8.GetBytes(text), "text/xml");
    }

    /// <summary>ISO 8601 with milliseconds, as Redshift writes times.</summary>
    internal static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static SandboxServiceException InvalidParameter(string message) => new(400, "InvalidParameterValue", message);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
