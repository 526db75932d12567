namespace RedshiftIamra.Sandbox;

/// <summary>How to start a sandbox. Every property has a default; plain settable properties so PowerShell can build one from a hashtable.</summary>
public sealed class SandboxOptions
{
    /// <summary>Where the sandbox writes its PEM files and audit log. Default: a new temporary folder, deleted when the sandbox stops.</summary>
    public string? WorkingDirectory { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string AccountId { get; set; } = "123456789012";

    /// <summary>The port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The base clock (the system clock when null).</summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>How far the server's clock is off at start (changeable later with <see cref="SandboxHost.ClockOffset"/>).</summary>
    public TimeSpan ClockOffset { get; set; }

    /// <summary>How far a request's signing time may be from the server's clock.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The key type of the default client certificate (<c>client.pem</c>).</summary>
    public SandboxKeyType DefaultClientKeyType { get; set; } = SandboxKeyType.EcP256;

    public string DefaultClientSubject { get; set; } = "CN=redshift-iamra-sandbox-client, O=RedshiftIamra Sandbox";

    /// <summary>The name of the default role (<c>arn:aws:iam::{account}:role/{name}</c>).</summary>
    public string DefaultRoleName { get; set; } = "redshift-iamra-sandbox";

    /// <summary>The default profile's session duration cap, seconds.</summary>
    public int DefaultProfileDurationSeconds { get; set; } = SandboxConfiguration.DefaultProfileDurationSeconds;

    /// <summary>Largest request body accepted (larger ones get 413).</summary>
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Also play Amazon Redshift (Query API) and Redshift Serverless (JSON 1.1) on the same
    /// HTTPS endpoint, over a real PostgreSQL started for the sandbox (its binaries must be
    /// installed). Off by default: the Roles Anywhere-only sandbox starts in milliseconds and
    /// needs no PostgreSQL.
    /// </summary>
    public bool Database { get; set; }

    /// <summary>The database the cluster and the workgroup serve.</summary>
    public string DatabaseName { get; set; } = "dev";

    /// <summary>The one provisioned cluster (DescribeClusters, GetClusterCredentials[WithIAM]).</summary>
    public string ClusterIdentifier { get; set; } = "my-redshift-cluster";

    /// <summary>The one serverless workgroup (GetWorkgroup, GetCredentials).</summary>
    public string WorkgroupName { get; set; } = "my-serverless-workgroup";

    /// <summary>
    /// The longest database credential the endpoints grant, seconds: null honours the request
    /// (900..3600); tests set e.g. 20 for passwords that expire in 20 seconds.
    /// </summary>
    public int? DbCredentialDurationCapSeconds { get; set; }

    /// <summary>PostgreSQL's port on 127.0.0.1; 0 picks a free one.</summary>
    public int DatabasePort { get; set; }

    /// <summary>The S3 endpoint's port on 127.0.0.1 (its own HTTPS listener, bodies streamed to disk); 0 picks a free one.</summary>
    public int S3Port { get; set; }

    /// <summary>The bucket created at start for staging (COPY / UNLOAD); its policy allows the default role's and the COPY role's sessions only.</summary>
    public string StagingBucketName { get; set; } = "redshift-iamra-sandbox-staging";

    /// <summary>The role the cluster may assume for COPY and UNLOAD (its default IAM role): <c>arn:aws:iam::{account}:role/{name}</c>.</summary>
    public string CopyRoleName { get; set; } = "redshift-iamra-sandbox-copy";

    /// <summary>Largest S3 request body (a single PutObject or UploadPart), bytes; S3's own limit is 5 GiB.</summary>
    public long MaxS3BodyBytes { get; set; } = 5L * 1024 * 1024 * 1024;
    /// <summary>The Redshift front's port on 127.0.0.1 (the database endpoint clients are given); 0 picks a free one.</summary>
    public int FrontPort { get; set; }

    /// <summary>
    /// Statements the Redshift front answers itself instead of relaying them to PostgreSQL
    /// (e.g. COPY from S3, UNLOAD), asked in order before a statement is relayed.
    /// </summary>
    public IList<Front.IRedshiftStatementHandler> StatementHandlers { get; } = new List<Front.IRedshiftStatementHandler>();

    /// <summary>PostgreSQL's max_connections (lower it to play "too many connections", 53300).</summary>
    public int DatabaseMaxConnections { get; set; } = 100;
}
