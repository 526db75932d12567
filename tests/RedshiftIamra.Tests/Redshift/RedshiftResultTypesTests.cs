using RedshiftIamra.Connections;

namespace RedshiftIamra.Tests.Redshift;

public sealed class RedshiftResultTypesTests
{
    [Theory]
    [InlineData("select s from t", true)]
    [InlineData("  SELECT 1;  ", true)]
    [InlineData("with x as (select 1) select * from x", true)]
    [InlineData("(select 1) union (select 2)", true)]
    [InlineData("show search_path", true)]
    [InlineData("insert into t select 1", false)]
    [InlineData("select 1; delete from t", false)]
    [InlineData("create table t as select 1", false)]
    [InlineData("", false)]
    public void Only_one_query_statement_is_run_again_as_text(string sql, bool isSingle) =>
        Assert.Equal(isSingle, RedshiftResultTypes.IsSingleQuery(sql));

    [Fact]
    public void VARBYTE_text_becomes_bytes_with_or_without_the_hex_prefix()
    {
        Assert.Equal(new byte[] { 0x61, 0x62, 0x63 }, RedshiftResultTypes.ToValue(RedshiftResultTypes.VarbyteOid, "\\x616263"));
        Assert.Equal(new byte[] { 0x61, 0x62, 0x63 }, RedshiftResultTypes.ToValue(RedshiftResultTypes.VarbyteOid, "616263"));
        Assert.Equal("not hex", RedshiftResultTypes.ToValue(RedshiftResultTypes.VarbyteOid, "not hex"));
        Assert.Equal("{\"a\":1}", RedshiftResultTypes.ToValue(4000, "{\"a\":1}"));
    }
}
