using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Security;
using NpgsqlTypes;
using RedshiftIamra.Connections;

namespace RedshiftIamra.Tests.Queries;

/// <summary>Every value a Redshift column can hold comes back losslessly; every parameter type is mapped or refused.</summary>
public sealed class QueryValueTests(QueryDatabaseFixture fixture) : IClassFixture<QueryDatabaseFixture>
{
    public static TheoryData<string, object> Values => new()
    {
        { "select 12345678901234567890123456789012345678::numeric(38,0)", BigInteger.Parse("12345678901234567890123456789012345678", CultureInfo.InvariantCulture) },
        { "select -99999999999999999999999999999999999999::numeric(38,0)", BigInteger.Parse("-99999999999999999999999999999999999999", CultureInfo.InvariantCulture) },
        { "select 1234567890123456789012345.1234567890123::numeric(38,13)", "1234567890123456789012345.1234567890123" },
        { "select -0.1234567890123456789012345678901234567::numeric(38,37)", "-0.1234567890123456789012345678901234567" },
        { "select 0.00000000000000000000000000000000000001::numeric(38,38)", "0.00000000000000000000000000000000000001" },
        { "select 1.000000000000000000000000000000::numeric(38,30)", 1m },
        { "select 79228162514264337593543950335::numeric(38,0)", decimal.MaxValue },
        { "select 79228162514264337593543950336::numeric(38,0)", BigInteger.Parse("79228162514264337593543950336", CultureInfo.InvariantCulture) },
        { "select 12.50::numeric(10,2)", 12.50m },
        { "select -0.0001::numeric(10,4)", -0.0001m },
        { "select 0::numeric(10,3)", 0.000m },
        { "select 10000::numeric", 10000m },
        { "select 'NaN'::numeric", double.NaN },
        { "select interval '2 months'", new RedshiftInterval(2, 0, TimeSpan.Zero) },
        { "select interval '-1 year 3 days -04:05:06.789'", new RedshiftInterval(-12, 3, -new TimeSpan(0, 4, 5, 6, 789)) },
        { "select interval '3 days 04:00'", new TimeSpan(3, 4, 0, 0) },
        { "select date '0044-03-15 BC'", "0044-03-15 BC" },
        { "select date '0001-01-01'", new DateTime(1, 1, 1) },
        { "select date '2024-02-29'", new DateTime(2024, 2, 29) },
        { "select date '12345-06-07'", "12345-06-07" },
        { "select 'infinity'::date", "infinity" },
        { "select '-infinity'::date", "-infinity" },
        { "select 'infinity'::timestamp", "infinity" },
        { "select '-infinity'::timestamptz", "-infinity" },
        { "select timestamp '0044-03-15 12:30:00.25 BC'", "0044-03-15 12:30:00.25 BC" },
        { "select timestamp '1999-12-31 23:59:59.999999'", new DateTime(1999, 12, 31, 23, 59, 59).AddTicks(9_999_990) },
        { "select timestamp '2026-01-02 03:04:05.5'", new DateTime(2026, 1, 2, 3, 4, 5, 500) },
        { "select timestamp '1970-01-01'", new DateTime(1970, 1, 1) },
        { "select timestamptz '2026-06-01 12:00:00+02'", new DateTime(2026, 6, 1, 10, 0, 0, DateTimeKind.Utc) },
        { "select time '13:14:15'", new TimeSpan(13, 14, 15) },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task A_value_comes_back_exactly(string sql, object expected)
    {
        await using var connection = await fixture.ConnectAsync();
        var value = Q.Scalar(connection, sql);
        Assert.Equal(expected.GetType(), value!.GetType());
        Assert.Equal(expected, value);
        if (expected is decimal d)
        {
            // The scale is kept too: 12.50 stays 12.50.
            Assert.Equal(d.Scale, ((decimal)value).Scale);
        }

        if (expected is DateTime t)
        {
            Assert.Equal(t.Kind, ((DateTime)value).Kind);
        }
    }

    [Fact]
    public async Task Every_date_of_four_centuries_and_their_BC_mirror_agree_with_the_server_text()
    {
        await using var connection = await fixture.ConnectAsync();
        using var query = RedshiftQuery.Start(connection,
            "select d, to_char(d, 'YYYY-MM-DD'), d2, to_char(d2, 'YYYY-MM-DD BC') from (select date '1800-01-01' + g as d, date '0400-01-01 BC' + g as d2 from generate_series(0, 146097, 7) g) s",
            null, null, CancellationToken.None);
        var rows = 0;
        while (query.Read() is { } row)
        {
            Assert.Equal((string)row[1]!, ((DateTime)row[0]!).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            var bc = (string)row[3]!;
            Assert.Equal(bc.EndsWith("BC", StringComparison.Ordinal) ? bc : bc[..10], row[2] as string ?? ((DateTime)row[2]!).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            rows++;
        }

        Assert.True(rows > 20000);
    }

    [Fact]
    public void Column_names_avoid_what_PowerShell_reserves_and_stay_unique()
    {
        Assert.Equal(
            new[] { "psobject_", "PSBase_", "pstypenames_", "psobject_2", "Column5", "a", "A2", "psadapted_", "psextended_", "ToString" },
            QueryValues.ColumnNames(new[] { "psobject", "PSBase", "pstypenames", "psobject_", "?column?", "a", "A", "psadapted", "psextended", "ToString" }));
    }

    [Fact]
    public void A_DataTable_column_takes_the_one_type_of_its_values_or_object()
    {
        var rows = new List<object?[]> { new object?[] { 1m, new DateTime(2026, 1, 1), null }, new object?[] { BigInteger.One, new DateTime(2026, 1, 2), null } };
        Assert.Equal(typeof(object), QueryValues.CommonType(rows, 0, typeof(object)));
        Assert.Equal(typeof(DateTime), QueryValues.CommonType(rows, 1, typeof(object)));
        Assert.Equal(typeof(int), QueryValues.CommonType(rows, 2, typeof(int)));
        Assert.Equal(typeof(object), QueryValues.CommonType(new List<object?[]>(), 0, typeof(object)));
    }

    [Fact]
    public void An_interval_prints_as_the_server_does()
    {
        Assert.Equal("1 year 2 mons 3 days 04:05:06", new RedshiftInterval(14, 3, new TimeSpan(4, 5, 6)).ToString());
        Assert.Equal("2 mons", new RedshiftInterval(2, 0, TimeSpan.Zero).ToString());
        Assert.Equal("-1 year -1 mon -00:00:00.5", new RedshiftInterval(-13, 0, TimeSpan.FromMilliseconds(-500)).ToString());
        Assert.Equal("00:00:00", new RedshiftInterval(0, 0, TimeSpan.Zero).ToString());
    }

    private enum Colour
    {
        Red,
        Blue,
    }

    public static TheoryData<string, object?, string> Mapped => new()
    {
        { "null", null, "select @p::text is null" },
        { "uint64 max", ulong.MaxValue, "select @p = 18446744073709551615::numeric(20,0)" },
        { "uint32 max", uint.MaxValue, "select @p = 4294967295::bigint" },
        { "uint16 max", ushort.MaxValue, "select @p = 65535" },
        { "sbyte", (sbyte)-5, "select @p = -5" },
        { "byte", (byte)250, "select @p = 250" },
        { "enum", Colour.Blue, "select @p = 'Blue'" },
        { "char", 'q', "select @p = 'q'" },
        { "guid", Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), "select @p = '0f8fad5b-d9cb-469f-a165-70867728950e'" },
        { "BigInteger", BigInteger.Parse("-123456789012345678901234567890123456", CultureInfo.InvariantCulture), "select @p = -123456789012345678901234567890123456::numeric(38,0)" },
        { "decimal", 1.25m, "select @p = 1.25" },
        { "DateTimeOffset +05:00", new DateTimeOffset(2026, 1, 2, 12, 0, 0, TimeSpan.FromHours(5)), "select @p = timestamptz '2026-01-02 07:00:00+00'" },
        { "DateTimeOffset -08:00", new DateTimeOffset(2026, 1, 2, 12, 0, 0, TimeSpan.FromHours(-8)), "select @p = timestamptz '2026-01-02 20:00:00+00'" },
        { "DateTime local", new DateTime(2026, 1, 2, 12, 0, 0, DateTimeKind.Local), $"select @p = timestamptz '{new DateTime(2026, 1, 2, 12, 0, 0, DateTimeKind.Local).ToUniversalTime():yyyy-MM-dd HH:mm:ss}+00'" },
        { "DateTime unspecified", new DateTime(2026, 1, 2, 12, 0, 0), "select @p = timestamp '2026-01-02 12:00:00'" },
        { "DateOnly", new DateOnly(2026, 1, 2), "select @p = date '2026-01-02'" },
        { "TimeOnly", new TimeOnly(13, 14), "select @p = time '13:14'" },
        { "TimeSpan", TimeSpan.FromHours(30), "select @p = interval '30 hours'" },
        { "bytes", new byte[] { 1, 2, 255 }, "select @p = '\\x0102ff'::bytea" },
        { "double", 0.1d, "select @p = 0.1::float8" },
        { "float", 0.5f, "select @p = 0.5::float4" },
        { "bool", true, "select @p = true" },
    };

    [Theory]
    [MemberData(nameof(Mapped))]
    public async Task A_parameter_type_is_mapped(string what, object? value, string sql)
    {
        await using var connection = await fixture.ConnectAsync();
        Assert.True((bool)Q.Scalar(connection, sql, new[] { KeyValuePair.Create("p", value) })!, what);
    }

    public static TheoryData<string, object, string> Refused => new()
    {
        { "SecureString", NewSecureString(), "ConvertFrom-SecureString" },
        { "Hashtable", new Hashtable { ["a"] = 1 }, "ConvertTo-Json" },
        { "Dictionary", new Dictionary<string, int> { ["a"] = 1 }, "ConvertTo-Json" },
        { "object[]", new object[] { 1, 2 }, "one parameter per element" },
        { "int[]", new[] { 1, 2 }, "one parameter per element" },
        { "List", new List<string> { "a" }, "one parameter per element" },
        { "Uri", new Uri("https://example.invalid/"), "Pass a string" },
        { "object", new object(), "Pass a string" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_parameter_type_without_a_database_type_is_refused_with_what_to_pass(string what, object value, string advice)
    {
        var e = Assert.Throws<IamraException>(() => QueryParameters.Map("@secret", value));
        Assert.Equal(ErrorIds.Query.InvalidParameter, e.ErrorId);
        Assert.Equal(IamraErrorCategory.InvalidArgument, e.Category);
        Assert.Contains("@secret", e.Message);
        Assert.Contains(advice, e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.NotNull(what);
    }

    [Fact]
    public async Task A_refused_parameter_stops_the_query_before_it_reaches_the_connection()
    {
        await using var connection = await fixture.ConnectAsync();
        var before = Q.BackendPid(connection);
        Assert.Throws<IamraException>(() => RedshiftQuery.Start(connection, "select @a, @b", new[] { KeyValuePair.Create<string, object?>("a", 1), KeyValuePair.Create<string, object?>("b", new Hashtable()) }, null, CancellationToken.None));
        Assert.Equal(before, Q.BackendPid(connection));
    }

    [Fact]
    public void Strings_and_names_map_as_documented()
    {
        Assert.Equal(NpgsqlDbType.Text, QueryParameters.Map(":name", "x").NpgsqlDbType);
        Assert.Equal("name", QueryParameters.Map("@name", "x").ParameterName);
        Assert.Throws<IamraException>(() => QueryParameters.Map("@", 1));
    }

    private static SecureString NewSecureString()
    {
        var s = new SecureString();
        foreach (var c in "hunter2")
        {
            s.AppendChar(c);
        }

        return s;
    }
}
