namespace RedshiftIamra.Loader; internal static class Placeholder {}
