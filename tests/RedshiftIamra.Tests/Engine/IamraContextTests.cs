using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Tests.Engine;

public sealed class IamraContextTests
{
    [Fact]
    public void Part_IsCreatedOnceAndKeptAcrossRelease()
    {
        var context = new IamraContext();
        var created = 0;
        var first = context.Part(() => { created++; return new FakePart("Fake", new List<string>()); });
        var second = context.Part(() => { created++; return new FakePart("Other", new List<string>()); });
        Assert.Same(first, second);
        Assert.Equal(1, created);

        context.Release();
        Assert.Same(first, context.Part(() => new FakePart("Third", new List<string>())));
        Assert.Equal(1, created);
    }

    [Fact]
    public void Census_NamesEveryPartWithWhatIsAlive()
    {
        var context = new IamraContext();
        var part = context.Part(() => new FakePart("Fake", new List<string>()));
        part.Items = 3;
        context.Clocks.SetExpiryOffset("example.com", TimeSpan.FromMinutes(20));
        context.Clocks.SetSigningOffset("example.com", TimeSpan.FromMinutes(20));
        context.HttpClients.For(new Uri("https://example.com/"), new AwsHttpSettings());

        var census = context.Census();
        Assert.Equal(new[] { "Sessions", "DbCredentials", "HttpClients", "Clocks", "Tokens", "Fake" }, census.Keys);
        Assert.Equal(3, census["Fake"]);
        Assert.Equal(2, census["Clocks"]);
        Assert.Equal(1, census["HttpClients"]);
        Assert.Equal(0, census["Sessions"]);
    }

    [Fact]
    public void Release_LeavesNothingAlive()
    {
        var context = new IamraContext();
        var part = context.Part(() => new FakePart("Fake", new List<string>()));
        part.Items = 2;
        context.Clocks.SetSigningOffset("example.com", TimeSpan.FromMinutes(20));
        var client = context.HttpClients.For(new Uri("https://example.com/"), new AwsHttpSettings());
        Assert.All(new[] { "Fake", "Clocks", "HttpClients" }, name => Assert.True(context.Census()[name] > 0, name));

        Assert.Empty(context.Release());

        Assert.All(context.Census(), pair => Assert.True(pair.Value == 0, $"{pair.Key} still has {pair.Value} alive"));
        Assert.Throws<ObjectDisposedException>(() => client.CancelPendingRequests());
        Assert.Equal(TimeSpan.Zero, context.Clocks.SigningOffset("example.com"));
    }

    [Fact]
    public void Release_GoesNewestFirstAndAFailingPartDoesNotStopTheOthers()
    {
        var context = new IamraContext();
        var order = new List<string>();
        var a = context.Part(() => new FakePart("A", order));
        var b = context.Part(() => new FailingPart(order));
        var c = context.Part(() => new FakePart2("C", order));
        a.Items = 1;
        c.Items = 1;

        var failures = context.Release();

        Assert.Equal(new[] { "C", "Failing", "A" }, order);
        var failure = Assert.Single(failures);
        Assert.Equal("cannot close", failure.Message);
        Assert.Equal(0, a.Alive);
        Assert.Equal(0, c.Alive);
    }

    [Fact]
    public void Current_IsOneContextAndTheFacadesUseIt()
    {
        Assert.Same(IamraContext.Current, IamraContext.Current);
        Assert.Same(IamraContext.Current.Sessions, RolesAnywhereSessionSource.Cache);
        Assert.Same(IamraContext.Current.DbCredentials, DbCredentialSource.Cache);
        var endpoint = new Uri($"https://{Guid.NewGuid():N}.example.com/");
        ServerClock.Observe(endpoint, DateTimeOffset.UnixEpoch.AddMinutes(31), DateTimeOffset.UnixEpoch);
        Assert.Equal(TimeSpan.FromMinutes(31), IamraContext.Current.Clocks.ExpiryOffset(endpoint.Authority));
        Assert.Same(AwsHttpClients.For(endpoint, new AwsHttpSettings()), IamraContext.Current.HttpClients.For(endpoint, new AwsHttpSettings()));
    }

    private class FakePart : IContextPart
    {
        private readonly List<string> _order;

        public FakePart(string name, List<string> order)
        {
            Name = name;
            _order = order;
        }

        public string Name { get; }

        public int Items { get; set; }

        public int Alive => Items;

        public void Release()
        {
            _order.Add(Name);
            Items = 0;
        }
    }

    private sealed class FakePart2 : FakePart
    {
        public FakePart2(string name, List<string> order)
            : base(name, order)
        {
        }
    }

    private sealed class FailingPart : IContextPart
    {
        private readonly List<string> _order;

        public FailingPart(List<string> order) => _order = order;

        public string Name => "Failing";

        public int Alive => 1;

        public void Release()
        {
            _order.Add(Name);
            throw new InvalidOperationException("cannot close");
        }
    }
}
