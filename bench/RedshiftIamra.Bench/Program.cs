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
var mode = args.Length > 0 ? args[0] : "signing";
var output = mode switch
{
    "signing" => Signing(),
    "reader" => Reader(args[1], args[2]),
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
