using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Npgsql;
using RedshiftIamra.Signing;

// Usage:
//   RedshiftIamra.Bench signing                      -> JSON: microseconds per CreateSession signature per key type
//   RedshiftIamra.Bench reader <connection string> <sql> -> JSON: rows, seconds, rows per second (raw NpgsqlDataReader)
//   RedshiftIamra.Bench front <front connection string> <direct connection string> <rows>
//                                                   -> JSON: select-1 round trip and streaming rows/s through the
//                                                      sandbox's Redshift front and directly against its PostgreSQL
//   RedshiftIamra.Bench insert <connection string> <table> <csv file> <rows per statement>
//                                                   -> JSON: what a user would write by hand: read the CSV line by
//                                                      line, multi-row parameterised INSERTs in one transaction;
//                                                      rows, seconds, rows/s, this process's peak working set
var mode = args.Length > 0 ? args[0] : "signing";
var output = mode switch
{
    "signing" => Signing(),
    "reader" => Reader(args[1], args[2]),
    "front" => FrontVersusDirect(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)),
    "insert" => InsertLoop(args[1], args[2], args[3], int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture)),
    _ => throw new ArgumentException($"unknown mode {mode}"),
};
Console.WriteLine(JsonSerializer.Serialize(output));

static object Signing()
{
    var results = new List<object>();
    foreach (var (name, create) in new (string, Func<(X509Certificate2, IDisposable)>)[]
    {
        ("RSA-2048", () => Rsa(2048)),
        ("RSA-4096", () => Rsa(4096)),
        ("ECDSA P-256", () => Ec(ECCurve.NamedCurves.nistP256)),
        ("ECDSA P-384", () => Ec(ECCurve.NamedCurves.nistP384)),
    })
    {
        var (certificate, key) = create();
        using (key)
        using (certificate)
        using (var provider = new X509SignatureProvider(certificate))
        {
            var signer = new SigV4Signer();
            var body = Encoding.UTF8.GetBytes("{\"durationSeconds\":3600}");
            var uri = new Uri("https://rolesanywhere.us-east-1.amazonaws.com/sessions?profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Aprofile%2Fx&roleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fy&trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Atrust-anchor%2Fz");
            void SignOnce()
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                signer.Sign(request, body, provider, "us-east-1", "rolesanywhere");
            }

            for (var i = 0; i < 50; i++)
            {
                SignOnce();
            }

            var samples = new List<double>();
            for (var round = 0; round < 7; round++)
            {
                const int iterations = 200;
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < iterations; i++)
                {
                    SignOnce();
                }

                samples.Add(clock.Elapsed.TotalMilliseconds * 1000 / iterations);
            }

            samples.Sort();
            results.Add(new { key = name, medianMicroseconds = Math.Round(samples[samples.Count / 2], 1), minMicroseconds = Math.Round(samples[0], 1), maxMicroseconds = Math.Round(samples[^1], 1) });
        }
    }

    return results;
}

static (X509Certificate2, IDisposable) Rsa(int bits)
{
    var key = RSA.Create(bits);
    var request = new CertificateRequest("CN=bench", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)), key);
}

static (X509Certificate2, IDisposable) Ec(ECCurve curve)
{
    var key = ECDsa.Create(curve);
    var request = new CertificateRequest("CN=bench", key, HashAlgorithmName.SHA256);
    return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)), key);
}

static object Reader(string connectionString, string sql)
{
    using var connection = new NpgsqlConnection(connectionString);
    connection.Open();
    var clock = Stopwatch.StartNew();
    long rows = 0;
    using (var command = new NpgsqlCommand(sql, connection))
    using (var reader = command.ExecuteReader())
    {
        var values = new object[reader.FieldCount];
        while (reader.Read())
        {
            reader.GetValues(values);
            rows++;
        }
    }

    var seconds = clock.Elapsed.TotalSeconds;
    return new { rows, seconds = Math.Round(seconds, 3), rowsPerSecond = Math.Round(rows / seconds) };
}

static object FrontVersusDirect(string front, string direct, int rows)
{
    var sql = $"select g as i, g::bigint * 1000 as b, (g / 7.0)::numeric(12,4) as n, 'row ' || g as t, timestamp '2026-01-01' + g * interval '1 second' as ts from generate_series(1, {rows}) g";
    object Measure(string connectionString)
    {
        var connects = new List<double>();
        for (var i = 0; i < 25; i++)
        {
            var clock = Stopwatch.StartNew();
            using var fresh = new NpgsqlConnection(connectionString);
            fresh.Open();
            using var probe = new NpgsqlCommand("select 1", fresh);
            probe.ExecuteScalar();
            fresh.Close();
            if (i >= 5)
            {
                connects.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        connects.Sort();
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var one = new NpgsqlCommand("select 1", connection);
        for (var i = 0; i < 200; i++)
        {
            one.ExecuteScalar();
        }

        var roundTrips = new List<double>();
        for (var round = 0; round < 7; round++)
        {
            const int iterations = 500;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                one.ExecuteScalar();
            }

            roundTrips.Add(clock.Elapsed.TotalMilliseconds * 1000 / iterations);
        }

        roundTrips.Sort();
        var rates = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            long count = 0;
            using var command = new NpgsqlCommand(sql, connection);
            using var reader = command.ExecuteReader();
            var values = new object[reader.FieldCount];
            while (reader.Read())
            {
                reader.GetValues(values);
                count++;
            }

            rates.Add(count / clock.Elapsed.TotalSeconds);
        }

        rates.Sort();
        return new { connectMilliseconds = Math.Round(connects[connects.Count / 2], 2), roundTripMicroseconds = Math.Round(roundTrips[roundTrips.Count / 2], 1), rowsPerSecond = Math.Round(rates[rates.Count / 2]) };
    }

    dynamic viaFront = Measure(front);
    dynamic viaDirect = Measure(direct);
    return new
    {
        rows,
        front = viaFront,
        direct = viaDirect,
        connectRatio = Math.Round((double)viaFront.connectMilliseconds / viaDirect.connectMilliseconds, 3),
        roundTripRatio = Math.Round((double)viaFront.roundTripMicroseconds / viaDirect.roundTripMicroseconds, 3),
        streamingRatio = Math.Round((double)viaFront.rowsPerSecond / viaDirect.rowsPerSecond, 3),
    };
}

// The loop a user writes with Npgsql alone: typed parameters, many rows per INSERT, one transaction.
// The benchmark's CSV has no quoted fields, so a split on ',' reads it; an empty field is NULL.
static object InsertLoop(string connectionString, string table, string csvPath, int rowsPerStatement)
{
    var clock = Stopwatch.StartNew();
    using var connection = new NpgsqlConnection(connectionString);
    connection.Open();
    using var transaction = connection.BeginTransaction();
    using var reader = new StreamReader(csvPath);
    var header = reader.ReadLine()!.Split(',');
    var columns = header.Length;
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    long rows = 0;
    var batch = new List<string[]>(rowsPerStatement);
    void Flush()
    {
        if (batch.Count == 0)
        {
            return;
        }

        var sql = new StringBuilder($"insert into {table} ({string.Join(", ", header)}) values ");
        using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        for (var r = 0; r < batch.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ",(");
            for (var c = 0; c < columns; c++)
            {
                var field = batch[r][c];
                object value = field.Length == 0 ? DBNull.Value : c switch
                {
                    0 => int.Parse(field, inv),
                    1 => long.Parse(field, inv),
                    2 => decimal.Parse(field, inv),
                    3 => double.Parse(field, inv),
                    6 => field == "t",
                    7 => DateOnly.ParseExact(field, "yyyy-MM-dd", inv),
                    8 => DateTime.Parse(field, inv),
                    _ => field,
                };
                command.Parameters.Add(new NpgsqlParameter { Value = value });
                sql.Append(c == 0 ? "$" : ",$").Append(command.Parameters.Count);
            }

            sql.Append(')');
        }

        command.CommandText = sql.ToString();
        command.ExecuteNonQuery();
        batch.Clear();
    }

    string? line;
    while ((line = reader.ReadLine()) is not null)
    {
        batch.Add(line.Split(','));
        rows++;
        if (batch.Count == rowsPerStatement)
        {
            Flush();
        }
    }

    Flush();
    transaction.Commit();
    var seconds = clock.Elapsed.TotalSeconds;
    using var self = Process.GetCurrentProcess();
    return new { rows, seconds = Math.Round(seconds, 3), rowsPerSecond = Math.Round(rows / seconds), peakWorkingSetMB = Math.Round(self.PeakWorkingSet64 / 1048576.0, 1) };
}
