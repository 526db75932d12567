using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace RedshiftIamra.Pkcs11.Native;

/// <summary>One attribute of a search template: its type and its value as the module reads it.</summary>
internal sealed record CkAttribute(CKA Type, byte[] Value)
{
    public static CkAttribute Of(CKA type, CKO value) => new(type, Cryptoki.UlongBytes((ulong)value));

    public static CkAttribute Of(CKA type, CKC value) => new(type, Cryptoki.UlongBytes((ulong)value));

    public static CkAttribute Of(CKA type, string value) => new(type, Encoding.UTF8.GetBytes(value));
}

/// <summary>The attributes <see cref="CryptokiSession.GetAttributes"/> read; a value the token keeps secret or lacks is null.</summary>
internal sealed class CkAttributeValues(byte[]?[] values)
{
    public byte[]? Bytes(int index) => values[index];

    public string? Text(int index) => values[index] is { } value ? Encoding.UTF8.GetString(value) : null;

    public ulong? Ulong(int index) => values[index] is { } value ? Cryptoki.UlongFrom(value) : null;

    public bool? Bool(int index) => values[index] is { Length: > 0 } value ? value[0] != 0 : null;
}

/// <summary>A session to a token (<c>CK_SESSION_HANDLE</c>) and the calls the module makes in it.</summary>
internal sealed unsafe class CryptokiSession
{
    private const int FindBatch = 32;

    private readonly Cryptoki _module;

    internal CryptokiSession(Cryptoki module, nuint handle)
    {
        _module = module;
        Handle = handle;
    }

    public nuint Handle { get; }

    /// <summary>The session's state (<c>C_GetSessionInfo</c>): logged in as the user or not.</summary>
    public CKS State => _module.GetSessionState(Handle);

    /// <summary><c>C_Login</c> with the PIN's bytes; a null PIN lets the token ask (PIN pad, CKF_PROTECTED_AUTHENTICATION_PATH).</summary>
    public void Login(CKU user, byte[]? pin) => _module.Login(Handle, user, pin, pin is null);

    public void Logout() => _module.Logout(Handle);

    public void Close() => _module.CloseSession(Handle);

    /// <summary>The objects that match <paramref name="template"/> (<c>C_FindObjectsInit</c>, <c>C_FindObjects</c>, <c>C_FindObjectsFinal</c>).</summary>
    public List<ulong> FindObjects(IReadOnlyList<CkAttribute> template)
    {
        var found = new List<ulong>();
        using (var block = new TemplateBlock(template.Select(a => (a.Type, a.Value.Length)).ToList()))
        {
            for (var i = 0; i < template.Count; i++)
            {
                template[i].Value.CopyTo(block.Value(i));
            }

            _module.FindObjectsInit(Handle, block.Pointer, template.Count);
        }

        try
        {
            var batch = stackalloc CULong[FindBatch];
            int count;
            do
            {
                count = _module.FindObjects(Handle, batch, FindBatch);
                for (var i = 0; i < count; i++)
                {
                    found.Add(batch[i].Value);
                }
            }
            while (count == FindBatch);
        }
        finally
        {
            _module.FindObjectsFinal(Handle);
        }

        return found;
    }

    /// <summary>
    /// Reads <paramref name="types"/> of the object <paramref name="handle"/> (<c>C_GetAttributeValue</c>
    /// twice: the lengths, then the values). A sensitive or unknown attribute is null, as the standard lets.
    /// </summary>
    public CkAttributeValues GetAttributes(ulong handle, IReadOnlyList<CKA> types)
    {
        int[] lengths;
        using (var sizes = new TemplateBlock(types.Select(t => (t, 0)).ToList()))
        {
            AcceptPartial(_module.GetAttributeValue(Handle, handle, sizes.Pointer, types.Count));
            lengths = Enumerable.Range(0, types.Count).Select(i => sizes.Length(i)).ToArray();
        }

        var values = new byte[]?[types.Count];
        using (var block = new TemplateBlock(types.Select((t, i) => (t, Math.Max(lengths[i], 0))).ToList()))
        {
            AcceptPartial(_module.GetAttributeValue(Handle, handle, block.Pointer, types.Count));
            for (var i = 0; i < types.Count; i++)
            {
                var length = block.Length(i);
                values[i] = lengths[i] < 0 || length < 0 ? null : block.Value(i)[..Math.Min(length, lengths[i])].ToArray();
            }
        }

        return new CkAttributeValues(values);
    }

    /// <summary><c>C_SignInit</c> with a mechanism that takes no parameter, then <c>C_Sign</c> (the length, then the signature).</summary>
    public byte[] Sign(CKM mechanism, ulong key, ReadOnlySpan<byte> data)
    {
        var layout = Cryptoki.Layout;
        var block = stackalloc byte[layout.PairSize];
        new Span<byte>(block, layout.PairSize).Clear();
        Cryptoki.WriteUlong(block, (ulong)mechanism);
        _module.SignInit(Handle, block, key);
        var length = _module.Sign(Handle, data, null, 0);
        var signature = new byte[length];
        fixed (byte* output = signature)
        {
            length = _module.Sign(Handle, data, output, signature.Length);
        }

        return signature.AsSpan(0, length).ToArray();
    }

    private static void AcceptPartial(CKR rv)
    {
        if (rv is not (CKR.CKR_OK or CKR.CKR_ATTRIBUTE_SENSITIVE or CKR.CKR_ATTRIBUTE_TYPE_INVALID))
        {
            throw new Pkcs11CallException("C_GetAttributeValue", rv);
        }
    }

    /// <summary>A <c>CK_ATTRIBUTE</c> array with room for each value after it, in one unmanaged block (wiped when freed).</summary>
    private sealed class TemplateBlock : IDisposable
    {
        private readonly int[] _capacities;
        private readonly int _size;

        public TemplateBlock(IReadOnlyList<(CKA Type, int Length)> attributes)
        {
            var layout = Cryptoki.Layout;
            _capacities = attributes.Select(a => a.Length).ToArray();
            var arraySize = attributes.Count * layout.PairSize;
            _size = arraySize + _capacities.Sum();
            Pointer = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(_size, 1));
            var value = Pointer + arraySize;
            for (var i = 0; i < attributes.Count; i++)
            {
                var entry = Entry(i);
                Cryptoki.WriteUlong(entry, (ulong)attributes[i].Type);
                Unsafe.WriteUnaligned(entry + layout.PairPointerOffset, _capacities[i] == 0 ? IntPtr.Zero : (IntPtr)value);
                Cryptoki.WriteUlong(entry + layout.PairLengthOffset, (ulong)_capacities[i]);
                value += _capacities[i];
            }
        }

        public byte* Pointer { get; private set; }

        /// <summary>The length the module wrote back for attribute <paramref name="index"/>; -1 for CK_UNAVAILABLE_INFORMATION.</summary>
        public int Length(int index)
        {
            var length = Cryptoki.ReadUlong(Entry(index) + Cryptoki.Layout.PairLengthOffset);
            return Cryptoki.IsUnavailable(length) ? -1 : checked((int)length);
        }

        /// <summary>The room given to attribute <paramref name="index"/>'s value.</summary>
        public Span<byte> Value(int index)
        {
            var at = Unsafe.ReadUnaligned<IntPtr>(Entry(index) + Cryptoki.Layout.PairPointerOffset);
            return at == IntPtr.Zero ? Span<byte>.Empty : new Span<byte>((void*)at, _capacities[index]);
        }

        public void Dispose()
        {
            if (Pointer is not null)
            {
                new Span<byte>(Pointer, _size).Clear();
                NativeMemory.Free(Pointer);
                Pointer = null;
            }
        }

        private byte* Entry(int index) => Pointer + (index * Cryptoki.Layout.PairSize);
    }
}
