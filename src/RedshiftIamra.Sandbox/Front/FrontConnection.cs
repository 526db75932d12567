using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;

namespace RedshiftIamra.Sandbox.Front;

/// <summary>A backend message handed to a statement handler.</summary>
internal readonly record struct BackendMessage(byte Type, byte[] Body);

/// <summary>Thrown inside a handler's backend session when an earlier statement of the same pipeline failed: the statement is skipped.</summary>
internal sealed class SkipStatementException : Exception
{
}

/// <summary>
/// One client session through the front: TLS and start-up, the Redshift login, the backend
/// login as the same role, then two pumps (client to backend, backend to client) that relay
/// messages in pooled buffers and change only what Redshift does differently.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "A session disposes its sockets, readers and writers at the end of RunAsync (or in RefuseAsync/Abort), the only ways it is used; its semaphores are used with WaitAsync/Release only and never create a wait handle.")]
internal sealed partial class FrontConnection
{
    private const int SslRequestCode = 80877103;
    private const int GssEncRequestCode = 80877104;
    private const int CancelRequestCode = 80877102;
    private const int Protocol30 = 196608;
    private const int BufferSize = 64 * 1024;

    private readonly RedshiftFront _front;
    private readonly TcpClient _client;
    private readonly CancellationTokenSource _cts;
    private readonly SemaphoreSlim _clientWriteLock = new(1, 1);
    private readonly SemaphoreSlim _rfqSignal = new(0, int.MaxValue);
    private readonly ConcurrentQueue<bool> _pendingRfq = new();
    private TcpClient? _backend;
    private Stream? _clientStream;
    private Stream? _backendStream;
    private PgReader? _clientIn;
    private PgWriter? _clientOut;
    private PgReader? _backendIn;
    private PgWriter? _backendOut;
    private int _id;
    private int _backendPid;
    private int _backendKey;
    private volatile bool _segmentError;
    private volatile byte _txStatus = (byte)'I';
    private volatile Channel<BackendMessage>? _handlerChannel;
    private bool _forwardedSinceSync;
    private bool _syntheticSinceSync;
    private bool _skipUntilSync;
    private string _user = string.Empty;
    private string _database = string.Empty;

    // A Parse (and the Bind/Describe after it) held until its Execute shows whether a handler takes it.
    private readonly List<byte[]> _held = new();
    private string? _heldSql;
    private string _heldStatement = string.Empty;
    private string? _heldPortal;
    private readonly List<byte> _heldDescribes = new();

    public FrontConnection(RedshiftFront front, TcpClient client)
    {
        _front = front;
        _client = client;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(front.Stopping);
    }

    public int CancelKey { get; private set; }

    private RedshiftFrontOptions Options => _front.Options;

    private PgWriter ClientOut => _clientOut!;

    private PgWriter BackendOut => _backendOut!;

    /// <summary>Closes both sides now (the front is stopping).</summary>
    public void Abort()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _client.Dispose();
        _backend?.Dispose();
    }

    /// <summary>Answers a client over the limit and closes.</summary>
    public async Task RefuseAsync(string sqlState, string message)
    {
        using (_client)
        {
            try
            {
                var stream = _client.GetStream();
                await stream.WriteAsync(PgMessageBuilder.ErrorOrNotice((byte)'E', "FATAL", sqlState, message)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async Task RunAsync()
    {
        var token = _cts.Token;
        try
        {
            if (!await StartAsync(token).ConfigureAwait(false))
            {
                return;
            }

            var backendPump = BackendPumpAsync(token);
            var clientPump = ClientPumpAsync(token);
            var first = await Task.WhenAny(backendPump, clientPump).ConfigureAwait(false);
            await _cts.CancelAsync().ConfigureAwait(false);
            _client.Dispose();
            _backend?.Dispose();
            await Task.WhenAll(backendPump, clientPump).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _ = first;
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
        }
        finally
        {
            _front.Unregister(_id);
            _client.Dispose();
            _backend?.Dispose();
            _clientIn?.Dispose();
            _backendIn?.Dispose();
            _clientOut?.Dispose();
            _backendOut?.Dispose();
            _cts.Dispose();
        }
    }

    private static bool IsConnectionEnd(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException or FrontProtocolException or EndOfStreamException or InvalidOperationException;

    // ---- start-up and login ---------------------------------------------------------------

    private async Task<bool> StartAsync(CancellationToken token)
    {
        using var startup = CancellationTokenSource.CreateLinkedTokenSource(token);
        startup.CancelAfter(Options.StartupTimeout);
        var ct = startup.Token;
        Stream stream = _client.GetStream();
        var tls = false;
        Dictionary<string, string> parameters;
        while (true)
        {
            var packet = await ReadStartupPacketAsync(stream, ct).ConfigureAwait(false);
            if (packet is null)
            {
                return false;
            }

            var code = BinaryPrimitives.ReadInt32BigEndian(packet);
            if (code == SslRequestCode && !tls)
            {
                await stream.WriteAsync("S"u8.ToArray(), ct).ConfigureAwait(false);
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Options.ServerCertificate, ClientCertificateRequired = false }, ct).ConfigureAwait(false);
                stream = ssl;
                tls = true;
                continue;
            }

            if (code == GssEncRequestCode && !tls)
            {
                await stream.WriteAsync("N"u8.ToArray(), ct).ConfigureAwait(false);
                continue;
            }

            if (code == CancelRequestCode && packet.Length == 12)
            {
                await _front.CancelAsync(BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(4)), BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(8))).ConfigureAwait(false);
                return false;
            }

            if (code != Protocol30)
            {
                await stream.WriteAsync(PgMessageBuilder.ErrorOrNotice((byte)'E', "FATAL", SqlStates.FeatureNotSupported, $"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: server supports 3.0 to 3.0"), ct).ConfigureAwait(false);
                return false;
            }

            parameters = ParseStartupParameters(packet.AsSpan(4));
            break;
        }

        _user = parameters.GetValueOrDefault("user") ?? string.Empty;
        _database = parameters.GetValueOrDefault("database") ?? _user;
        _clientStream = stream;
        if (!tls)
        {
            // As the sandbox PostgreSQL and a Redshift cluster with require_ssl: no plaintext logins.
            await stream.WriteAsync(PgMessageBuilder.ErrorOrNotice((byte)'E', "FATAL", SqlStates.InvalidAuthorization, $"no pg_hba.conf entry for host \"127.0.0.1\", user \"{_user}\", database \"{_database}\", SSL off"), ct).ConfigureAwait(false);
            return false;
        }

        _clientIn = new PgReader(stream, BufferSize, Options.MaxMessageBytes);
        _clientOut = new PgWriter(stream, BufferSize);

        // Redshift asks for an MD5 password; the front checks it against every unexpired issued one.
        var salt = RandomNumberGenerator.GetBytes(4);
        await ClientOut.WriteAsync(new PgMessageBuilder((byte)'R').Int32(5).Bytes(salt).Build(), ct).ConfigureAwait(false);
        await ClientOut.FlushAsync(ct).ConfigureAwait(false);
        var answer = await _clientIn.ReadMessageAsync(ct).ConfigureAwait(false);
        if (answer is not { Type: (byte)'p' } password)
        {
            return false;
        }

        var response = new PgBodyReader(password.Body).CString();
        if (!Options.Logins.VerifyMd5(_user, salt, response))
        {
            await SendFatalAsync(SqlStates.InvalidAuthorization, $"password authentication failed for user \"{_user}\"", ct).ConfigureAwait(false);
            return false;
        }

        (_id, CancelKey) = _front.Register(this);
        return await ConnectBackendAsync(parameters, ct).ConfigureAwait(false);
    }

    private async Task SendFatalAsync(string sqlState, string message, CancellationToken ct)
    {
        await ClientOut.WriteAsync(PgMessageBuilder.ErrorOrNotice((byte)'E', "FATAL", sqlState, message), ct).ConfigureAwait(false);
        await ClientOut.FlushAsync(ct).ConfigureAwait(false);
    }

    private static async Task<byte[]?> ReadStartupPacketAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, ct).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 8 || length > 10_000)
        {
            throw new FrontProtocolException($"Invalid start-up packet length {length}.");
        }

        var body = new byte[length - 4];
        return await ReadExactlyOrEndAsync(stream, body, ct).ConfigureAwait(false) ? body : null;
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), ct).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    private static Dictionary<string, string> ParseStartupParameters(ReadOnlySpan<byte> body)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new PgBodyReader(body);
        while (!reader.AtEnd)
        {
            var name = reader.CString();
            if (name.Length == 0)
            {
                break;
            }

            parameters[name] = reader.CString();
        }

        return parameters;
    }

    /// <summary>Logs in to PostgreSQL as the same role with the sandbox-internal secret (SCRAM over TLS) and relays its start-up answers.</summary>
    private async Task<bool> ConnectBackendAsync(Dictionary<string, string> parameters, CancellationToken ct)
    {
        _backend = new TcpClient { NoDelay = true };
        try
        {
            await _backend.ConnectAsync(Options.BackendHost, Options.BackendPort, ct).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The database is down (a fault): the session ends as a refused connection would.
            return false;
        }

        var network = _backend.GetStream();
        var request = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(request, 8);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), SslRequestCode);
        await network.WriteAsync(request, ct).ConfigureAwait(false);
        var reply = new byte[1];
        if (!await ReadExactlyOrEndAsync(network, reply, ct).ConfigureAwait(false) || reply[0] != (byte)'S')
        {
            return false;
        }

        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => VerifyBackendCertificate(certificate, errors),
        }, ct).ConfigureAwait(false);
        _backendStream = ssl;
        _backendIn = new PgReader(ssl, BufferSize, Options.MaxMessageBytes);
        _backendOut = new PgWriter(ssl, BufferSize);

        var startup = new PgMessageBuilder(0).Int32(Protocol30).CString("user").CString(_user).CString("database").CString(_database);
        foreach (var (name, value) in parameters)
        {
            if (name is not ("user" or "database"))
            {
                startup.CString(name).CString(value);
            }
        }

        await BackendOut.WriteAsync(startup.Byte(0).Build(), ct).ConfigureAwait(false);
        await BackendOut.FlushAsync(ct).ConfigureAwait(false);
        if (!await BackendLoginAsync(ct).ConfigureAwait(false))
        {
            return false;
        }

        await ClientOut.WriteAsync(new PgMessageBuilder((byte)'R').Int32(0).Build(), ct).ConfigureAwait(false);
        while (true)
        {
            var message = await _backendIn.ReadMessageAsync(ct).ConfigureAwait(false);
            if (message is not { } m)
            {
                return false;
            }

            switch (m.Type)
            {
                case (byte)'S':
                    await ClientOut.WriteAsync(RewriteParameterStatus(m.Body), ct).ConfigureAwait(false);
                    break;
                case (byte)'K':
                    var key = new PgBodyReader(m.Body);
                    _backendPid = key.Int32();
                    _backendKey = key.Int32();
                    await ClientOut.WriteAsync(new PgMessageBuilder((byte)'K').Int32(_id).Int32(CancelKey).Build(), ct).ConfigureAwait(false);
                    break;
                case (byte)'Z':
                    _txStatus = m.Body[0];
                    await ClientOut.WriteAsync(Whole(m), ct).ConfigureAwait(false);
                    await ClientOut.FlushAsync(ct).ConfigureAwait(false);
                    return true;
                case (byte)'E':
                    await ClientOut.WriteAsync(Whole(m), ct).ConfigureAwait(false);
                    await ClientOut.FlushAsync(ct).ConfigureAwait(false);
                    return false;
                default:
                    await ClientOut.WriteAsync(Whole(m), ct).ConfigureAwait(false);
                    break;
            }
        }
    }

    private bool VerifyBackendCertificate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Options.BackendRootCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>SCRAM-SHA-256 (RFC 5802/7677, no channel binding) with the backend secret; a backend error goes to the client.</summary>
    private async Task<bool> BackendLoginAsync(CancellationToken ct)
    {
        var clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        string? clientFirstBare = null;
        byte[]? expectedServerSignature = null;
        while (true)
        {
            var message = await _backendIn!.ReadMessageAsync(ct).ConfigureAwait(false);
            if (message is not { } m)
            {
                return false;
            }

            if (m.Type == (byte)'E')
            {
                await ClientOut.WriteAsync(Whole(m), ct).ConfigureAwait(false);
                await ClientOut.FlushAsync(ct).ConfigureAwait(false);
                return false;
            }

            if (m.Type != (byte)'R')
            {
                throw new FrontProtocolException($"Unexpected backend message '{(char)m.Type}' during login.");
            }

            var reader = new PgBodyReader(m.Body);
            var code = reader.Int32();
            switch (code)
            {
                case 0:
                    return true;
                case 10:
                    clientFirstBare = "n=,r=" + clientNonce;
                    var first = Encoding.UTF8.GetBytes("n,," + clientFirstBare);
                    await BackendOut.WriteAsync(new PgMessageBuilder((byte)'p').CString("SCRAM-SHA-256").Int32(first.Length).Bytes(first).Build(), ct).ConfigureAwait(false);
                    await BackendOut.FlushAsync(ct).ConfigureAwait(false);
                    break;
                case 11:
                    var serverFirst = Encoding.UTF8.GetString(m.Body.AsSpan(4));
                    var attributes = serverFirst.Split(',').Where(a => a.Length > 2).ToDictionary(a => a[0], a => a[2..]);
                    var nonce = attributes['r'];
                    if (!nonce.StartsWith(clientNonce, StringComparison.Ordinal))
                    {
                        throw new FrontProtocolException("The backend's SCRAM nonce does not extend the front's.");
                    }

                    var salted = _front.SaltedSecret(attributes['s'], int.Parse(attributes['i'], System.Globalization.CultureInfo.InvariantCulture));
                    var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
                    var storedKey = SHA256.HashData(clientKey);
                    var withoutProof = "c=biws,r=" + nonce;
                    var authMessage = Encoding.UTF8.GetBytes(clientFirstBare + "," + serverFirst + "," + withoutProof);
                    var signature = HMACSHA256.HashData(storedKey, authMessage);
                    for (var i = 0; i < clientKey.Length; i++)
                    {
                        clientKey[i] ^= signature[i];
                    }

                    expectedServerSignature = HMACSHA256.HashData(HMACSHA256.HashData(salted, "Server Key"u8), authMessage);
                    var final = Encoding.UTF8.GetBytes(withoutProof + ",p=" + Convert.ToBase64String(clientKey));
                    await BackendOut.WriteAsync(new PgMessageBuilder((byte)'p').Bytes(final).Build(), ct).ConfigureAwait(false);
                    await BackendOut.FlushAsync(ct).ConfigureAwait(false);
                    break;
                case 12:
                    var serverFinal = Encoding.UTF8.GetString(m.Body.AsSpan(4));
                    if (expectedServerSignature is null || serverFinal != "v=" + Convert.ToBase64String(expectedServerSignature))
                    {
                        throw new FrontProtocolException("The backend's SCRAM server signature does not verify.");
                    }

                    break;
                default:
                    throw new FrontProtocolException($"The backend asked for authentication method {code}; the front logs in with SCRAM-SHA-256 only.");
            }
        }
    }

    private static byte[] Whole((byte Type, byte[] Body) message)
    {
        var bytes = new byte[message.Body.Length + 5];
        bytes[0] = message.Type;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), message.Body.Length + 4);
        message.Body.CopyTo(bytes, 5);
        return bytes;
    }

    private static byte[] RewriteParameterStatus(byte[] body)
    {
        var reader = new PgBodyReader(body);
        var name = reader.CString();
        var value = reader.CString();
        if (name == "server_version")
        {
            value = RedshiftDialect.ServerVersion;
        }

        return new PgMessageBuilder((byte)'S').CString(name).CString(value).Build();
    }

    /// <summary>Sends a CancelRequest for this session's backend (plain TCP, as PostgreSQL accepts cancels before any TLS).</summary>
    public async Task CancelBackendAsync()
    {
        try
        {
            using var tcp = new TcpClient { NoDelay = true };
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await tcp.ConnectAsync(Options.BackendHost, Options.BackendPort, timeout.Token).ConfigureAwait(false);
            var stream = tcp.GetStream();
            var request = new byte[16];
            BinaryPrimitives.WriteInt32BigEndian(request, 16);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), CancelRequestCode);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), _backendPid);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(12), _backendKey);
            await stream.WriteAsync(request, timeout.Token).ConfigureAwait(false);
            var sink = new byte[16];
            while (await stream.ReadAsync(sink, timeout.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }
    }
}
