// Leaflet with its stylesheet, as one chunk that the map loads after the dashboard is on screen: most of
// a visit's first seconds are spent on values and charts, and Leaflet is the largest single library.
import 'leaflet/dist/leaflet.css';

export { default } from 'leaflet';
