namespace RedshiftIamra; internal static class Placeholder {}
