function [f1, f2] = freqspace (n, flag)
  % FREQSPACE  Octave stand-in for MATLAB's freqspace (absent from Octave core and the image
  % package), written from MATLAB's documentation: for n points the frequencies are
  % ((0:n-1) - floor(n/2)) * (2/n), i.e. [-n+1:2:n-1]/n (n odd) or [-n:2:n-2]/n (n even).
  % [f1, f2] = freqspace([m n], 'meshgrid') gives f1 along the n columns, f2 along the m rows.
  % Values depending on it (Qcb, Qcv) are Octave-derived: MATLAB's own freqspace may round the
  % last bit differently.
  if (numel (n) == 1)
    n = [n n];
  end
  f1 = ((0:n(2)-1) - floor (n(2)/2)) * (2 / n(2));
  f2 = ((0:n(1)-1) - floor (n(1)/2)) * (2 / n(1));
  if (nargin > 1 && strcmp (flag, 'meshgrid'))
    [f1, f2] = meshgrid (f1, f2);
  end
end
