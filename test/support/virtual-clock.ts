// The virtual clock moved to sim/ (the demo and benchmark drive the real scanner with it); tests import it here.
export { VirtualClock } from '../../sim/virtual-clock';
