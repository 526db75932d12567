using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Configuration;

/// <summary>
/// The user's saved connection settings: one JSON file (<see cref="DefaultPath"/>) with named
/// entries. Writes are atomic (a reader sees the old file or the new one), serialised between
/// processes by a lock file, and leave the file readable by its owner only (Unix). Entries this
/// version does not write itself (other names, and fields a newer version added to them) are
/// kept as they are. No secret is ever written: the entry has no field for one.
/// </summary>
public static class RedshiftIamraConfigStore
{
    public const string EnvironmentVariable = "REDSHIFTIAMRA_CONFIG";
    public const string NotFound = ErrorIds.Config.NotFound;
    public const string InvalidName = ErrorIds.Config.InvalidName;
    public const string Incomplete = ErrorIds.Config.Incomplete;
    public const string FileInvalid = ErrorIds.Config.FileInvalid;
    public const string FileLocked = ErrorIds.ConfigFile.Locked;
    public const string FileDuplicateKey = ErrorIds.Config.FileDuplicateKey;
    public const string FileDuplicateName = ErrorIds.Config.FileDuplicateName;
    public const string FileHasComments = ErrorIds.Config.FileHasComments;

    private const string FileWhat = "configuration file";

    /// <summary>The file format this version reads and writes.</summary>
    public const int FormatVersion = 1;

    private const string ConfigsKey = "Configs";
    private const string VersionKey = "Version";

    private static readonly Regex s_name = new("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant);
    private static readonly JsonSerializerOptions s_write = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <c>REDSHIFTIAMRA_CONFIG</c> when set; else <c>%APPDATA%\RedshiftIamra\config.json</c> on
    /// Windows, <c>$XDG_CONFIG_HOME/RedshiftIamra/config.json</c> or
    /// <c>~/.config/RedshiftIamra/config.json</c> elsewhere.
    /// </summary>
    public static string DefaultPath(Func<string, string?>? environment = null, bool? windows = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var explicitPath = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var trimmed = explicitPath.Trim();
            return trimmed == "~" || trimmed.StartsWith("~/", StringComparison.Ordinal) || trimmed.StartsWith(@"~\", StringComparison.Ordinal)
                ? Path.Combine(home, trimmed.TrimStart('~').TrimStart('/', '\\'))
                : Path.GetFullPath(trimmed);
        }

        if (windows ?? OperatingSystem.IsWindows())
        {
            var appData = environment("APPDATA");
            return Path.Combine(string.IsNullOrWhiteSpace(appData) ? Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData) : appData, "RedshiftIamra", "config.json");
        }

        var xdg = environment("XDG_CONFIG_HOME");
        var configHome = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg) ? xdg : Path.Combine(home, ".config");
        return Path.Combine(configHome, "RedshiftIamra", "config.json");
    }

    /// <summary>A name: a letter or digit, then letters, digits, '_', '.', '-' (at most 64).</summary>
    public static string ValidateName(string? name)
    {
        if (name is null || !s_name.IsMatch(name))
        {
            throw new IamraException(InvalidName, IamraErrorCategory.InvalidArgument,
                $"-Name '{name}' is not a configuration name: use a letter or digit, then letters, digits, '_', '.' or '-' (at most 64), e.g. prod-etl.", name);
        }

        return name;
    }

    /// <summary>Every entry of the file, by name; none when the file does not exist.</summary>
    public static IReadOnlyList<RedshiftIamraConfig> Load(string path)
    {
        var configs = ReadConfigs(ReadDocument(path), path);
        return configs.Select(c => FromJson(c.Key, c.Value, path)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The entry named <paramref name="name"/> (case-insensitive), or <see cref="NotFound"/> naming the entries there are.</summary>
    public static RedshiftIamraConfig Get(string path, string name)
    {
        var configs = ReadConfigs(ReadDocument(path), path);
        var key = FindKey(configs, name) ?? throw NotFoundError(path, name, configs.Select(c => c.Key));
        return FromJson(key, configs[key], path);
    }

    /// <summary>Adds or replaces the entry (its <see cref="RedshiftIamraConfig.SavedAt"/> set to now) and returns it as stored.</summary>
    public static RedshiftIamraConfig Save(string path, RedshiftIamraConfig config, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config);
        var saved = Copy(config, (time ?? TimeProvider.System).GetUtcNow(), path);
        Update(path, configs =>
        {
            if (FindKey(configs, config.Name) is { } existing)
            {
                configs.Remove(existing);
            }

            configs[config.Name] = ToJson(saved);
        });
        return saved;
    }

    /// <summary>Removes the entry and returns it; <see cref="NotFound"/> when there is none.</summary>
    public static RedshiftIamraConfig Remove(string path, string name)
    {
        RedshiftIamraConfig? removed = null;
        Update(path, configs =>
        {
            var key = FindKey(configs, name) ?? throw NotFoundError(path, name, configs.Select(c => c.Key));
            removed = FromJson(key, configs[key], path);
            configs.Remove(key);
        });
        return removed!;
    }

    /// <summary>Checks an entry as Save does: a name, one certificate selector, the three ARNs, a complete target, valid names, durations, URLs and absolute paths.</summary>
    public static void Validate(RedshiftIamraConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ValidateName(config.Name);

        var selectors = new List<string>();
        if (config.Thumbprint is not null) selectors.Add("-Thumbprint");
        if (config.Subject is not null || config.Issuer is not null || config.SerialNumber is not null) selectors.Add("-Subject/-Issuer/-SerialNumber");
        var pkcs11 = config.Pkcs11Uri is not null || config.TokenLabel is not null;
        if (config.CertificatePath is not null && !pkcs11) selectors.Add("-Path");
        if (config.Pkcs11Uri is not null) selectors.Add("-Pkcs11Uri");
        if (config.TokenLabel is not null) selectors.Add("-TokenLabel");
        if (!pkcs11 && (config.KeyLabel is not null || config.KeyId is not null || config.Pkcs11Library is not null))
        {
            throw new IamraException(Incomplete, IamraErrorCategory.InvalidArgument,
                $"The configuration '{config.Name}' names a PKCS#11 key or library without a token: give -Pkcs11Uri or -TokenLabel.", config.Name);
        }

        if (config.Pkcs11Uri is not null && Pkcs11.Pkcs11Uri.Parse(config.Pkcs11Uri).PinValue is not null)
        {
            throw new IamraException(ErrorIds.Config.CannotHoldSecret, IamraErrorCategory.InvalidArgument,
                $"The configuration '{config.Name}' would hold the token PIN (pin-value in -Pkcs11Uri): a saved configuration never holds a secret. Put the PIN in a file only the job's account can read and name it with pin-source=file:/path/to/pin.", config.Name);
        }

        if (selectors.Count == 0)
        {
            throw new IamraException(Incomplete, IamraErrorCategory.InvalidArgument,
                $"The configuration '{config.Name}' names no certificate: give -Thumbprint, a selector (-Subject, -Issuer, -SerialNumber; with -Latest to survive renewals), -Path, or a PKCS#11 key (-Pkcs11Uri or -TokenLabel).", config.Name);
        }

        if (selectors.Count > 1)
        {
            throw new IamraException(Incomplete, IamraErrorCategory.InvalidArgument,
                $"The configuration '{config.Name}' names the certificate twice ({string.Join(" and ", selectors)}): give one way to find it.", config.Name);
        }

        if (config.StoreLocation is not null && !Enum.TryParse<System.Security.Cryptography.X509Certificates.StoreLocation>(config.StoreLocation, ignoreCase: true, out _))
        {
            throw new IamraException(Incomplete, IamraErrorCategory.InvalidArgument, $"-StoreLocation '{config.StoreLocation}' is not CurrentUser or LocalMachine.", config.StoreLocation);
        }

        foreach (var (value, parameter) in new[] { (config.CertificatePath, "Path"), (config.PrivateKeyPath, "PrivateKeyPath"), (config.ChainPath, "ChainPath"), (config.Pkcs11Library, "Pkcs11Library"), (config.CaBundlePath, "CaBundlePath"), (config.RootCertificatePath, "RootCertificatePath") })
        {
            if (value is not null && !Path.IsPathFullyQualified(value))
            {
                throw new IamraException(Incomplete, IamraErrorCategory.InvalidArgument,
                    $"-{parameter} '{value}' is not an absolute path: a saved configuration is used from any working directory.", value);
            }
        }

        var missing = new[] { (config.TrustAnchorArn, "TrustAnchorArn"), (config.ProfileArn, "ProfileArn"), (config.RoleArn, "RoleArn") }.Where(a => a.Item1 is null).Select(a => "-" + a.Item2).ToList();
        if (missing.Count > 0)
        {
            throw new IamraException(Incomplete, IamraErrorCategory.InvalidArgument,
                $"The configuration '{config.Name}' needs {string.Join(", ", missing)} (pipe Get-RedshiftIamraStack into Save-RedshiftIamraConfig to take them from the stack).", config.Name);
        }

        RolesAnywhereSessionSource.ParseArns(config.TrustAnchorArn, config.ProfileArn, config.RoleArn);
        if (config.SessionDurationSeconds is { } session && session is < RolesAnywhereSessionSource.MinimumDuration or > RolesAnywhereSessionSource.MaximumDuration)
        {
            throw new IamraException(Incomplete, IamraErrorCategory.InvalidArgument,
                $"-SessionDurationSeconds {session} is out of range: Roles Anywhere sessions last {RolesAnywhereSessionSource.MinimumDuration} to {RolesAnywhereSessionSource.MaximumDuration} seconds.", session);
        }

        if (config.RoleSessionName is not null) RolesAnywhereSessionSource.ValidateRoleSessionName(config.RoleSessionName);
        if (config.RolesAnywhereEndpointUrl is not null) AwsEndpoint.Validate(config.RolesAnywhereEndpointUrl, "-RolesAnywhereEndpointUrl", allowInsecureHttp: false);
        if (config.RedshiftEndpointUrl is not null) AwsEndpoint.Validate(config.RedshiftEndpointUrl, "-RedshiftEndpointUrl", allowInsecureHttp: false);
        if (config.Region is not null) AwsRegion.Validate(config.Region);
        if (config.ClusterIdentifier is not null) RedshiftNames.ValidateClusterIdentifier(config.ClusterIdentifier);
        if (config.WorkgroupName is not null) RedshiftNames.ValidateWorkgroupName(config.WorkgroupName);
        if (config.DbUser is not null) RedshiftNames.ValidateDbUser(config.DbUser);
        if (config.DbName is not null) RedshiftNames.ValidateDbName(config.DbName);
        foreach (var group in config.DbGroup) RedshiftNames.ValidateDbGroup(group);
        if (config.DurationSeconds is not null) RedshiftNames.ValidateDuration(config.DurationSeconds);
        if (config.Port is { } port && port is < 1 or > 65535)
        {
            throw new IamraException(Incomplete, IamraErrorCategory.InvalidArgument, $"-Port {port} is not a port (1-65535).", port);
        }

        config.Staging?.Validate();

        // The same rules Connect-RedshiftIamra applies: a cluster needs a user or the IAM identity, a host name must be understood.
        RedshiftTargets.Resolve(new RedshiftTargetInput
        {
            ClusterIdentifier = config.ClusterIdentifier,
            WorkgroupName = config.WorkgroupName,
            Hostname = config.Hostname,
            Port = config.Port,
            DbUser = config.DbUser,
            UseIamIdentity = config.UseIamIdentity,
            CustomDomainName = config.CustomDomainName,
        });
    }

    // ---- the file ------------------------------------------------------------------------------

    private static JsonObject? ReadDocument(string path) => ReadDocument(path, out _);

    private static JsonObject? ReadDocument(string path, out bool hasComments)
    {
        hasComments = false;
        var text = AtomicFile.ReadTextIfExists(path, FileWhat, FileErrorIds.ConfigFile);
        if (text is null)
        {
            return null;
        }

        text = text.TrimStart('\uFEFF');
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        JsonNode? node;
        try
        {
            hasComments = CheckKeys(text, path);
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new IamraException(FileInvalid, IamraErrorCategory.InvalidData,
                $"The configuration file {path} is not valid JSON ({e.Message}). Fix it, or move it away and save the configurations again.", path, e);
        }

        if (node is not JsonObject document)
        {
            throw new IamraException(FileInvalid, IamraErrorCategory.InvalidData, $"The configuration file {path} does not hold a JSON object. Fix it, or move it away.", path);
        }

        if (document[VersionKey] is JsonValue version && version.TryGetValue<int>(out var number) && number > FormatVersion)
        {
            throw new IamraException(FileInvalid, IamraErrorCategory.InvalidData,
                $"The configuration file {path} has format version {number}, written by a newer RedshiftIamra; this one reads version {FormatVersion}. Update the module.", path);
        }

        return document;
    }

    private static JsonObject ReadConfigs(JsonObject? document, string path)
    {
        if (document is null || document[ConfigsKey] is null)
        {
            return new JsonObject();
        }

        var configs = document[ConfigsKey] as JsonObject ?? throw new IamraException(FileInvalid, IamraErrorCategory.InvalidData,
            $"The configuration file {path} has a '{ConfigsKey}' member that is not an object. Fix it, or move the file away.", path);

        // Names are looked up without regard to case, so two that differ only in case cannot both be kept.
        if (configs.GroupBy(c => c.Key, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new IamraException(FileDuplicateName, IamraErrorCategory.InvalidData,
                $"The configuration file {path} holds the names {string.Join(" and ", clash.Select(c => $"'{c.Key}'"))}, which differ only in case: names are not case-sensitive, so it is unclear which one is meant. Remove or rename one in the file (Remove-RedshiftIamraConfig removes neither while both are there).", path);
        }

        return configs;
    }

    /// <summary>
    /// Fails on a key that appears twice in one JSON object (the JSON standard leaves its meaning
    /// open, and the parser would stop with an unexpected error); returns whether the text has comments.
    /// </summary>
    private static bool CheckKeys(string text, string path)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(text), new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Allow });
        var objects = new Stack<HashSet<string>?>();
        var comments = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    objects.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.StartArray:
                    objects.Push(null);
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    objects.Pop();
                    break;
                case JsonTokenType.Comment:
                    comments = true;
                    break;
                case JsonTokenType.PropertyName:
                    var name = reader.GetString()!;
                    if (objects.Peek() is { } keys && !keys.Add(name))
                    {
                        throw new IamraException(FileDuplicateKey, IamraErrorCategory.InvalidData,
                            $"The configuration file {path} has the key '{name}' twice in one object (line {LineOf(text, (int)reader.TokenStartIndex)}). Keep one of them, then try again.", path);
                    }

                    break;
            }
        }

        return comments;
    }

    private static int LineOf(string text, int byteIndex)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return bytes.Take(Math.Min(byteIndex, bytes.Length)).Count(b => b == (byte)'\n') + 1;
    }

    private static void Update(string path, Action<JsonObject> change)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        using var fileLock = FileLock.Acquire(path, FileWhat, FileErrorIds.ConfigFile, lockedErrorId: FileLocked);
        var existing = ReadDocument(path, out var hasComments);
        if (hasComments)
        {
            throw new IamraException(FileHasComments, IamraErrorCategory.InvalidData,
                $"The configuration file {path} has comments (// or /* */), which a save would drop: JSON keeps no comments when it is rewritten. Move them into a \"$comment\" member (as the file's own header does), then save again. Nothing was changed.", path);
        }

        var document = existing ?? new JsonObject
        {
            ["$comment"] = "RedshiftIamra connection settings (Save-RedshiftIamraConfig). No secret is ever stored here.",
        };
        var configs = ReadConfigs(document, path);
        if (document[ConfigsKey] is null)
        {
            document[ConfigsKey] = configs;
        }

        change(configs);
        document[VersionKey] = FormatVersion;
        try
        {
            AtomicFile.WriteAllText(path, document.ToJsonString(s_write) + Environment.NewLine, ownerOnly: true, keepExistingPermissions: false, errorIds: FileErrorIds.ConfigFile, what: FileWhat);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IamraException(FileInvalid, IamraErrorCategory.WriteError, $"The configuration file {path} cannot be written: {e.Message}", path, e);
        }
    }

    private static string? FindKey(JsonObject configs, string name) =>
        configs.Select(c => c.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));

    private static IamraException NotFoundError(string path, string name, IEnumerable<string> names)
    {
        var known = names.OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
        return new IamraException(NotFound, IamraErrorCategory.ObjectNotFound,
            $"There is no saved configuration '{name}' in {path}. {(known.Count == 0 ? "It holds none: save one with Save-RedshiftIamraConfig." : $"Saved configurations: {string.Join(", ", known)}.")}", name);
    }

    // ---- entries ----------------------------------------------------------------------------------

    private static RedshiftIamraConfig Copy(RedshiftIamraConfig c, DateTimeOffset savedAt, string path) => new()
    {
        Name = c.Name,
        Thumbprint = c.Thumbprint,
        Subject = c.Subject,
        Issuer = c.Issuer,
        SerialNumber = c.SerialNumber,
        Latest = c.Latest,
        StoreLocation = c.StoreLocation,
        StoreName = c.StoreName,
        CertificatePath = c.CertificatePath,
        PrivateKeyPath = c.PrivateKeyPath,
        ChainPath = c.ChainPath,
        Pkcs11Uri = c.Pkcs11Uri,
        TokenLabel = c.TokenLabel,
        KeyLabel = c.KeyLabel,
        KeyId = c.KeyId,
        Pkcs11Library = c.Pkcs11Library,
        TrustAnchorArn = c.TrustAnchorArn,
        ProfileArn = c.ProfileArn,
        RoleArn = c.RoleArn,
        SessionDurationSeconds = c.SessionDurationSeconds,
        RolesAnywhereEndpointUrl = c.RolesAnywhereEndpointUrl,
        RoleSessionName = c.RoleSessionName,
        CaBundlePath = c.CaBundlePath,
        Region = c.Region,
        ClusterIdentifier = c.ClusterIdentifier,
        WorkgroupName = c.WorkgroupName,
        Hostname = c.Hostname,
        Port = c.Port,
        DbName = c.DbName,
        DbUser = c.DbUser,
        UseIamIdentity = c.UseIamIdentity,
        AutoCreate = c.AutoCreate,
        DbGroup = c.DbGroup.ToArray(),
        DurationSeconds = c.DurationSeconds,
        RedshiftEndpointUrl = c.RedshiftEndpointUrl,
        CustomDomainName = c.CustomDomainName,
        RootCertificatePath = c.RootCertificatePath,
        Staging = c.Staging,
        StackName = c.StackName,
        SavedAt = savedAt,
        ConfigPath = path,
    };

    internal static JsonObject ToJson(RedshiftIamraConfig c)
    {
        var o = new JsonObject();
        void S(string key, string? value)
        {
            if (value is not null) o[key] = value;
        }

        void I(string key, int? value)
        {
            if (value is not null) o[key] = value.Value;
        }

        void B(string key, bool value)
        {
            if (value) o[key] = true;
        }

        S(nameof(c.Thumbprint), c.Thumbprint);
        S(nameof(c.Subject), c.Subject);
        S(nameof(c.Issuer), c.Issuer);
        S(nameof(c.SerialNumber), c.SerialNumber);
        B(nameof(c.Latest), c.Latest);
        S(nameof(c.StoreLocation), c.StoreLocation);
        S(nameof(c.StoreName), c.StoreName);
        S(nameof(c.CertificatePath), c.CertificatePath);
        S(nameof(c.PrivateKeyPath), c.PrivateKeyPath);
        S(nameof(c.ChainPath), c.ChainPath);
        S(nameof(c.Pkcs11Uri), c.Pkcs11Uri);
        S(nameof(c.TokenLabel), c.TokenLabel);
        S(nameof(c.KeyLabel), c.KeyLabel);
        S(nameof(c.KeyId), c.KeyId);
        S(nameof(c.Pkcs11Library), c.Pkcs11Library);
        S(nameof(c.TrustAnchorArn), c.TrustAnchorArn);
        S(nameof(c.ProfileArn), c.ProfileArn);
        S(nameof(c.RoleArn), c.RoleArn);
        I(nameof(c.SessionDurationSeconds), c.SessionDurationSeconds);
        S(nameof(c.RolesAnywhereEndpointUrl), c.RolesAnywhereEndpointUrl);
        S(nameof(c.RoleSessionName), c.RoleSessionName);
        S(nameof(c.CaBundlePath), c.CaBundlePath);
        S(nameof(c.Region), c.Region);
        S(nameof(c.ClusterIdentifier), c.ClusterIdentifier);
        S(nameof(c.WorkgroupName), c.WorkgroupName);
        S(nameof(c.Hostname), c.Hostname);
        I(nameof(c.Port), c.Port);
        S(nameof(c.DbName), c.DbName);
        S(nameof(c.DbUser), c.DbUser);
        B(nameof(c.UseIamIdentity), c.UseIamIdentity);
        B(nameof(c.AutoCreate), c.AutoCreate);
        if (c.DbGroup.Count > 0) o[nameof(c.DbGroup)] = new JsonArray(c.DbGroup.Select(g => (JsonNode)JsonValue.Create(g)!).ToArray());
        I(nameof(c.DurationSeconds), c.DurationSeconds);
        S(nameof(c.RedshiftEndpointUrl), c.RedshiftEndpointUrl);
        S(nameof(c.CustomDomainName), c.CustomDomainName);
        S(nameof(c.RootCertificatePath), c.RootCertificatePath);
        if (c.Staging is { } staging)
        {
            var st = new JsonObject { [nameof(staging.Bucket)] = staging.Bucket, [nameof(staging.Prefix)] = staging.Prefix };
            foreach (var (key, value) in new[] { (nameof(staging.CopyRoleArn), staging.CopyRoleArn), (nameof(staging.KmsKeyId), staging.KmsKeyId), (nameof(staging.EndpointUrl), staging.EndpointUrl), (nameof(staging.Region), staging.Region) })
            {
                if (value is not null)
                {
                    st[key] = value;
                }
            }

            o[nameof(c.Staging)] = st;
        }

        S(nameof(c.StackName), c.StackName);
        if (c.SavedAt is { } saved) o[nameof(c.SavedAt)] = saved.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return o;
    }

    private static Loading.RedshiftStagingSettings StagingFromJson(JsonObject st)
    {
        string? S(string key) => st[key]?.GetValue<string>();
        return new Loading.RedshiftStagingSettings
        {
            Bucket = S(nameof(Loading.RedshiftStagingSettings.Bucket)) ?? throw new FormatException("Staging has no Bucket"),
            Prefix = S(nameof(Loading.RedshiftStagingSettings.Prefix)) ?? Loading.RedshiftStagingSettings.DefaultPrefix,
            CopyRoleArn = S(nameof(Loading.RedshiftStagingSettings.CopyRoleArn)),
            KmsKeyId = S(nameof(Loading.RedshiftStagingSettings.KmsKeyId)),
            EndpointUrl = S(nameof(Loading.RedshiftStagingSettings.EndpointUrl)),
            Region = S(nameof(Loading.RedshiftStagingSettings.Region)),
        };
    }

    internal static RedshiftIamraConfig FromJson(string name, JsonNode? node, string path)
    {
        if (node is not JsonObject o)
        {
            throw new IamraException(FileInvalid, IamraErrorCategory.InvalidData, $"The configuration '{name}' in {path} is not a JSON object. Fix it, or remove it (Remove-RedshiftIamraConfig {name}).", name);
        }

        try
        {
            string? S(string key) => o[key] is JsonValue v ? v.GetValue<string>() : o[key] is null ? null : throw new FormatException($"'{key}' is not a string");
            int? I(string key) => o[key] is JsonValue v ? v.GetValue<int>() : o[key] is null ? null : throw new FormatException($"'{key}' is not a number");
            bool B(string key) => o[key] is JsonValue v ? v.GetValue<bool>() : o[key] is null ? false : throw new FormatException($"'{key}' is not true or false");
            var saved = S(nameof(RedshiftIamraConfig.SavedAt));
            return new RedshiftIamraConfig
            {
                Name = name,
                Thumbprint = S(nameof(RedshiftIamraConfig.Thumbprint)),
                Subject = S(nameof(RedshiftIamraConfig.Subject)),
                Issuer = S(nameof(RedshiftIamraConfig.Issuer)),
                SerialNumber = S(nameof(RedshiftIamraConfig.SerialNumber)),
                Latest = B(nameof(RedshiftIamraConfig.Latest)),
                StoreLocation = S(nameof(RedshiftIamraConfig.StoreLocation)),
                StoreName = S(nameof(RedshiftIamraConfig.StoreName)),
                CertificatePath = S(nameof(RedshiftIamraConfig.CertificatePath)),
                PrivateKeyPath = S(nameof(RedshiftIamraConfig.PrivateKeyPath)),
                ChainPath = S(nameof(RedshiftIamraConfig.ChainPath)),
                Pkcs11Uri = S(nameof(RedshiftIamraConfig.Pkcs11Uri)),
                TokenLabel = S(nameof(RedshiftIamraConfig.TokenLabel)),
                KeyLabel = S(nameof(RedshiftIamraConfig.KeyLabel)),
                KeyId = S(nameof(RedshiftIamraConfig.KeyId)),
                Pkcs11Library = S(nameof(RedshiftIamraConfig.Pkcs11Library)),
                TrustAnchorArn = S(nameof(RedshiftIamraConfig.TrustAnchorArn)),
                ProfileArn = S(nameof(RedshiftIamraConfig.ProfileArn)),
                RoleArn = S(nameof(RedshiftIamraConfig.RoleArn)),
                SessionDurationSeconds = I(nameof(RedshiftIamraConfig.SessionDurationSeconds)),
                RolesAnywhereEndpointUrl = S(nameof(RedshiftIamraConfig.RolesAnywhereEndpointUrl)),
                RoleSessionName = S(nameof(RedshiftIamraConfig.RoleSessionName)),
                CaBundlePath = S(nameof(RedshiftIamraConfig.CaBundlePath)),
                Region = S(nameof(RedshiftIamraConfig.Region)),
                ClusterIdentifier = S(nameof(RedshiftIamraConfig.ClusterIdentifier)),
                WorkgroupName = S(nameof(RedshiftIamraConfig.WorkgroupName)),
                Hostname = S(nameof(RedshiftIamraConfig.Hostname)),
                Port = I(nameof(RedshiftIamraConfig.Port)),
                DbName = S(nameof(RedshiftIamraConfig.DbName)),
                DbUser = S(nameof(RedshiftIamraConfig.DbUser)),
                UseIamIdentity = B(nameof(RedshiftIamraConfig.UseIamIdentity)),
                AutoCreate = B(nameof(RedshiftIamraConfig.AutoCreate)),
                DbGroup = o[nameof(RedshiftIamraConfig.DbGroup)] is JsonArray groups ? groups.Select(g => g!.GetValue<string>()).ToArray() : Array.Empty<string>(),
                DurationSeconds = I(nameof(RedshiftIamraConfig.DurationSeconds)),
                RedshiftEndpointUrl = S(nameof(RedshiftIamraConfig.RedshiftEndpointUrl)),
                CustomDomainName = S(nameof(RedshiftIamraConfig.CustomDomainName)),
                RootCertificatePath = S(nameof(RedshiftIamraConfig.RootCertificatePath)),
                Staging = o[nameof(RedshiftIamraConfig.Staging)] is JsonObject st ? StagingFromJson(st) : null,
                StackName = S(nameof(RedshiftIamraConfig.StackName)),
                SavedAt = saved is null ? null : DateTimeOffset.Parse(saved, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                ConfigPath = path,
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or NullReferenceException)
        {
            throw new IamraException(FileInvalid, IamraErrorCategory.InvalidData,
                $"The configuration '{name}' in {path} has a value of the wrong kind ({e.Message}). Fix it, or save it again.", name, e);
        }
    }
}
