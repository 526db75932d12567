namespace RedshiftIamra.Sandbox; internal static class Placeholder {}
