-- prefcal: the library loads and reports its version and kernel level
SELECT prefcal_version();
SELECT prefcal_simd_level() IN ('scalar', 'avx2', 'avx512', 'neon') AS known_level;
-- an unknown level is refused
SET prefcal.simd = 'sse9';
RESET prefcal.simd;
